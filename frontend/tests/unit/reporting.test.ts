import { describe, expect, it } from 'vitest'
import { formatBp, formatCp, gaugeValue, statusTag, UNIT_STATUSES } from '@/reporting/api'

describe('share figures are formatted, never recomputed', () => {
  it.each([
    [22299, '222.99%'],
    [14127, '141.27%'],
    [4165, '41.65%'],
    [5, '0.05%'],
    [0, '0.00%'],
    [-3333, '-33.33%'],
  ])('%i hundredths of a percent -> %s', (cp, text) => {
    expect(formatCp(cp)).toBe(text)
  })
  it('shows a dash without a reserved amount', () => {
    expect(formatCp(null)).toBe('—')
    expect(formatCp(undefined)).toBe('—')
  })
  it('writes targets in basis points', () => {
    expect(formatBp(3000)).toBe('30%')
    expect(formatBp(3001)).toBe('30.01%')
    expect(formatBp(1500)).toBe('15%')
  })
  it('caps the gauge but not the label', () => {
    expect(gaugeValue(22299)).toBe(150)
    expect(gaugeValue(4165)).toBeCloseTo(41.65)
    expect(gaugeValue(-10)).toBe(0)
    expect(gaugeValue(null)).toBe(0)
  })
  it('gives every status a tag', () => {
    expect(new Set(UNIT_STATUSES.map(statusTag)).size).toBe(5)
  })
})
