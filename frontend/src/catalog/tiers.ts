// Bulk price tiers (阶梯价) of a SKU: checked in the editor with the same rule as the server
// (quantities rising from 2, each price below the one before, the first below the unit price),
// and looked up for a quantity on the product page. Pure.
import { MAX_PRICE_FEN } from '@/utils/money'

export interface TierLike {
  min_qty: number
  price_fen: number
}

/** A row of the tier editor: empty cells are null until typed. */
export interface TierDraft {
  min_qty: number | null
  price_fen: number | null
}

export type TierIssueCode =
  | 'qty_required'
  | 'qty_too_small' // below 2 (from 1 it would just be the unit price)
  | 'qty_not_rising'
  | 'price_required'
  | 'price_out_of_range'
  | 'price_not_below_unit'
  | 'price_not_falling'

export interface TierIssue {
  index: number
  field: 'min_qty' | 'price_fen'
  code: TierIssueCode
}

/**
 * All problems of a SKU's tiers, in order. `unitPriceFen` null (not typed yet) skips the
 * comparison of the first tier with the unit price.
 */
export function validateTiers(unitPriceFen: number | null, tiers: readonly TierDraft[]): TierIssue[] {
  const issues: TierIssue[] = []
  let lastQty = 1
  let lastPrice = unitPriceFen
  tiers.forEach((t, index) => {
    const qty = t.min_qty
    if (qty == null) issues.push({ index, field: 'min_qty', code: 'qty_required' })
    else if (!Number.isInteger(qty) || qty < 2) issues.push({ index, field: 'min_qty', code: 'qty_too_small' })
    else if (qty <= lastQty) issues.push({ index, field: 'min_qty', code: 'qty_not_rising' })
    if (qty != null && Number.isInteger(qty) && qty > lastQty) lastQty = qty

    const price = t.price_fen
    if (price == null) issues.push({ index, field: 'price_fen', code: 'price_required' })
    else if (!Number.isSafeInteger(price) || price <= 0 || price > MAX_PRICE_FEN) issues.push({ index, field: 'price_fen', code: 'price_out_of_range' })
    else if (lastPrice != null && price >= lastPrice) {
      issues.push({ index, field: 'price_fen', code: index === 0 ? 'price_not_below_unit' : 'price_not_falling' })
    }
    if (price != null && Number.isSafeInteger(price) && price > 0) lastPrice = lastPrice == null ? price : Math.min(lastPrice, price)
  })
  return issues
}

/** The unit price for buying `qty` units: the last tier reached, else the unit price. */
export function unitPriceFor(unitPriceFen: number, tiers: readonly TierLike[], qty: number): number {
  let price = unitPriceFen
  for (const t of [...tiers].sort((a, b) => a.min_qty - b.min_qty)) {
    if (qty >= t.min_qty) price = t.price_fen
  }
  return price
}

/** Rows of a tier table: "from N units: price", with the unit price first. */
export function tierRows(unitPriceFen: number, tiers: readonly TierLike[], minOrderQty = 1): { from: number; to: number | null; price_fen: number }[] {
  const sorted = [...tiers].sort((a, b) => a.min_qty - b.min_qty)
  const rows = [{ from: minOrderQty, to: null as number | null, price_fen: unitPriceFen }, ...sorted.map((t) => ({ from: t.min_qty, to: null as number | null, price_fen: t.price_fen }))]
  for (let i = 0; i < rows.length - 1; i++) {
    const row = rows[i]!
    row.to = rows[i + 1]!.from - 1
  }
  return rows
}
