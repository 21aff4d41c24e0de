import { describe, expect, it } from 'vitest'
import { fenToYuan, formatFen, formatFenRange, parseYuan, yuanToFen } from '@/utils/money'

describe('yuan -> fen (string handling, no floats)', () => {
  it.each([
    ['12', 1200],
    ['12.3', 1230],
    ['12.30', 1230],
    ['0.1', 10],
    ['0.29', 29], // 0.29 * 100 = 28.999999999999996 in floating point
    ['1.15', 115], // 1.15 * 100 = 114.99999999999999
    ['19.99', 1999],
    ['.5', 50],
    ['5.', 500],
    ['007.05', 705],
    ['  8.8 ', 880],
    ['¥12.3', 1230],
    ['￥ 3', 300],
    ['１２．３', 1230], // full-width, as a Chinese IME types it
    ['1000000', 100_000_000],
    ['0', 0],
  ])('%s -> %i', (input, fen) => {
    expect(yuanToFen(input)).toBe(fen)
    expect(parseYuan(input)).toEqual({ ok: true, fen })
  })

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['.', 'format'],
    ['abc', 'format'],
    ['-1', 'format'],
    ['+1', 'format'],
    ['1e3', 'format'],
    ['1,000', 'format'],
    ['12.3.4', 'format'],
    ['1 2', 'format'],
    ['12.345', 'decimals'],
    ['0.001', 'decimals'],
    ['99999999999999999', 'too_large'],
  ])('rejects %j (%s)', (input, reason) => {
    expect(parseYuan(input)).toEqual({ ok: false, reason })
    expect(yuanToFen(input)).toBeNull()
  })
})

describe('fen -> yuan', () => {
  it('formats integers of fen exactly', () => {
    expect(fenToYuan(1230)).toBe('12.30')
    expect(fenToYuan(5)).toBe('0.05')
    expect(fenToYuan(0)).toBe('0.00')
    expect(fenToYuan(100_000_000)).toBe('1000000.00')
    expect(fenToYuan(-50)).toBe('-0.50')
  })

  it('shows prices with the yuan sign and thousands separators', () => {
    expect(formatFen(1230)).toBe('¥12.30')
    expect(formatFen(123456789)).toBe('¥1,234,567.89')
    expect(formatFen(-50)).toBe('-¥0.50')
    expect(formatFenRange(1230, 1230)).toBe('¥12.30')
    expect(formatFenRange(1230, 1980)).toBe('¥12.30 – ¥19.80')
  })

  it('round-trips every amount through the editor text', () => {
    for (const fen of [0, 1, 9, 10, 99, 100, 101, 1229, 1230, 1999, 28999, 100_000_000]) {
      expect(yuanToFen(fenToYuan(fen))).toBe(fen)
    }
  })

  it('refuses amounts that are not integers of fen', () => {
    expect(() => fenToYuan(12.3)).toThrow(RangeError)
  })
})
