// Cart and checkout arithmetic in integer fen (never floats), and the checkout's refusals.
// Library-neutral; the pages show what these compute.
import type { CartLine, CouponOption, Quote } from '@/api/types'

function safe(fen: number): number {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`amount out of range: ${fen}`)
  return fen
}

/** unit price × quantity, in fen. */
export function lineTotalFen(unitPriceFen: number, quantity: number): number {
  if (!Number.isSafeInteger(quantity) || quantity < 0) throw new RangeError(`bad quantity: ${quantity}`)
  return safe(safe(unitPriceFen) * quantity)
}

/** Sum of integer amounts. */
export function sumFen(amounts: readonly number[]): number {
  return amounts.reduce((acc, x) => safe(acc + safe(x)), 0)
}

/** The cart's total at today's prices, of the lines still for sale. */
export function cartTotalFen(lines: readonly Pick<CartLine, 'unit_price_fen' | 'quantity' | 'available'>[]): number {
  return sumFen(lines.filter((l) => l.available).map((l) => lineTotalFen(l.unit_price_fen, l.quantity)))
}

export interface CartSupplierGroup<L> {
  supplierOrgId: number
  supplierName: string
  lines: L[]
}

/** Cart lines grouped by supplier, in the order they come. */
export function groupBySupplier<L extends Pick<CartLine, 'supplier_org_id' | 'supplier_name'>>(lines: readonly L[]): CartSupplierGroup<L>[] {
  const groups: CartSupplierGroup<L>[] = []
  for (const l of lines) {
    let g = groups.find((x) => x.supplierOrgId === l.supplier_org_id)
    if (!g) groups.push((g = { supplierOrgId: l.supplier_org_id, supplierName: l.supplier_name, lines: [] }))
    g.lines.push(l)
  }
  return groups
}

export interface GroupBreakdown {
  supplierOrgId: number
  supplierName: string
  itemsFen: number
  discountFen: number
  dueFen: number
}

export interface Breakdown {
  groups: GroupBreakdown[]
  itemsFen: number
  discountFen: number
  dueFen: number
  /** The quote's own totals agree with the sums of its lines (they always should). */
  consistent: boolean
}

/**
 * Per supplier: items, coupon share, to pay; and the totals. Computed from the lines; the
 * quote's totals are checked against them (`consistent`).
 */
export function quoteBreakdown(q: Pick<Quote, 'groups' | 'items_total_fen' | 'discount_fen' | 'amount_due_fen'>): Breakdown {
  let consistent = true
  const groups = q.groups.map((g) => {
    const itemsFen = sumFen(g.lines.map((l) => l.line_total_fen))
    const discountFen = sumFen(g.lines.map((l) => l.discount_fen))
    const dueFen = safe(itemsFen - discountFen)
    if (itemsFen !== g.items_total_fen || discountFen !== g.discount_fen || dueFen !== g.amount_due_fen) consistent = false
    for (const l of g.lines) if (lineTotalFen(l.unit_price_fen, l.quantity) !== l.line_total_fen) consistent = false
    return { supplierOrgId: g.supplier_org_id, supplierName: g.supplier_name, itemsFen, discountFen, dueFen }
  })
  const itemsFen = sumFen(groups.map((g) => g.itemsFen))
  const discountFen = sumFen(groups.map((g) => g.discountFen))
  const dueFen = safe(itemsFen - discountFen)
  if (itemsFen !== q.items_total_fen || discountFen !== q.discount_fen || dueFen !== q.amount_due_fen) consistent = false
  return { groups, itemsFen, discountFen, dueFen, consistent }
}

/** The coupon to preselect: the suggested one if usable, else the best usable one, else none. */
export function initialCouponId(q: Pick<Quote, 'coupons' | 'suggested_coupon_id'>): number | null {
  const usable = (o: CouponOption) => o.usable && o.discount_fen > 0
  const suggested = q.coupons.find((o) => o.coupon_id === q.suggested_coupon_id)
  if (suggested && usable(suggested)) return suggested.coupon_id
  return q.coupons.find(usable)?.coupon_id ?? null
}

/** Refusals of POST /api/checkout (`checkout.errors.<code>`). */
export const CHECKOUT_ERROR_CODES = ['price_changed', 'out_of_stock', 'coupon_unavailable', 'coupon_not_applicable', 'checkout_problems', 'checkout_in_progress'] as const
export type CheckoutErrorCode = (typeof CHECKOUT_ERROR_CODES)[number]

export function isCheckoutError(code: string): code is CheckoutErrorCode {
  return (CHECKOUT_ERROR_CODES as readonly string[]).includes(code)
}

/** After this refusal the page asks for a new quote (prices, stock or coupons have moved). */
export function requoteAfter(code: string): boolean {
  return isCheckoutError(code) && code !== 'checkout_in_progress'
}
