import { describe, expect, it } from 'vitest'
import { tierRows, unitPriceFor, validateTiers } from '@/catalog/tiers'

describe('validateTiers', () => {
  it('accepts rising quantities with falling prices below the unit price', () => {
    expect(validateTiers(1000, [])).toEqual([])
    expect(
      validateTiers(1000, [
        { min_qty: 10, price_fen: 950 },
        { min_qty: 50, price_fen: 900 },
      ]),
    ).toEqual([])
  })

  it('wants both cells', () => {
    expect(validateTiers(1000, [{ min_qty: null, price_fen: null }])).toEqual([
      { index: 0, field: 'min_qty', code: 'qty_required' },
      { index: 0, field: 'price_fen', code: 'price_required' },
    ])
  })

  it('starts tiers at 2 units, whole numbers only', () => {
    expect(validateTiers(1000, [{ min_qty: 1, price_fen: 900 }])).toEqual([{ index: 0, field: 'min_qty', code: 'qty_too_small' }])
    expect(validateTiers(1000, [{ min_qty: 2.5, price_fen: 900 }])).toEqual([{ index: 0, field: 'min_qty', code: 'qty_too_small' }])
  })

  it('needs rising quantities', () => {
    expect(
      validateTiers(1000, [
        { min_qty: 10, price_fen: 900 },
        { min_qty: 10, price_fen: 800 },
        { min_qty: 5, price_fen: 700 },
      ]),
    ).toEqual([
      { index: 1, field: 'min_qty', code: 'qty_not_rising' },
      { index: 2, field: 'min_qty', code: 'qty_not_rising' },
    ])
  })

  it('needs the first price below the unit price and each next one lower', () => {
    expect(validateTiers(1000, [{ min_qty: 10, price_fen: 1000 }])).toEqual([{ index: 0, field: 'price_fen', code: 'price_not_below_unit' }])
    expect(
      validateTiers(1000, [
        { min_qty: 10, price_fen: 900 },
        { min_qty: 20, price_fen: 950 },
      ]),
    ).toEqual([{ index: 1, field: 'price_fen', code: 'price_not_falling' }])
  })

  it('checks the price range', () => {
    expect(validateTiers(1000, [{ min_qty: 3, price_fen: 0 }])).toEqual([{ index: 0, field: 'price_fen', code: 'price_out_of_range' }])
    expect(validateTiers(null, [{ min_qty: 3, price_fen: 100_000_001 }])).toEqual([{ index: 0, field: 'price_fen', code: 'price_out_of_range' }])
  })

  it('compares tiers with each other even before the unit price is typed', () => {
    expect(validateTiers(null, [{ min_qty: 3, price_fen: 500 }])).toEqual([])
    expect(
      validateTiers(null, [
        { min_qty: 3, price_fen: 500 },
        { min_qty: 6, price_fen: 600 },
      ]),
    ).toEqual([{ index: 1, field: 'price_fen', code: 'price_not_falling' }])
  })
})

describe('tier lookup', () => {
  const tiers = [
    { min_qty: 50, price_fen: 800 },
    { min_qty: 10, price_fen: 900 },
  ]
  it('finds the price for a quantity', () => {
    expect(unitPriceFor(1000, tiers, 1)).toBe(1000)
    expect(unitPriceFor(1000, tiers, 9)).toBe(1000)
    expect(unitPriceFor(1000, tiers, 10)).toBe(900)
    expect(unitPriceFor(1000, tiers, 51)).toBe(800)
  })

  it('lists the rows of the tier table', () => {
    expect(tierRows(1000, tiers)).toEqual([
      { from: 1, to: 9, price_fen: 1000 },
      { from: 10, to: 49, price_fen: 900 },
      { from: 50, to: null, price_fen: 800 },
    ])
  })
})
