// Order, refund, payment and settlement states and what a member or supplier may do in each.
// Pure; labels are i18n keys (`orderStatuses.<s>` and so on).
import type { CampaignStatus, CouponStatus, Order, OrderLine, OrderStatus, PaymentStatus, RefundStatus, SettlementStatus } from '@/api/types'

export const ORDER_STATUSES = ['pending_payment', 'paid', 'shipped', 'delivered', 'completed', 'cancelled', 'refunded'] as const satisfies readonly OrderStatus[]
export const REFUND_STATUSES = ['requested', 'rejected', 'processing', 'succeeded', 'failed'] as const satisfies readonly RefundStatus[]
export const PAYMENT_STATUSES = ['pending', 'succeeded', 'expired'] as const satisfies readonly PaymentStatus[]
export const SETTLEMENT_STATUSES = ['draft', 'reviewed', 'approved', 'paid'] as const satisfies readonly SettlementStatus[]
export const COUPON_STATUSES = ['available', 'held', 'used', 'expired'] as const satisfies readonly CouponStatus[]
export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'running', 'ended', 'cancelled'] as const satisfies readonly CampaignStatus[]

/** Tag colour for a status (Vant and Element Plus both know these names). */
export function orderTone(s: OrderStatus): 'primary' | 'success' | 'warning' | 'danger' | 'default' {
  switch (s) {
    case 'pending_payment':
      return 'warning'
    case 'paid':
    case 'shipped':
      return 'primary'
    case 'delivered':
    case 'completed':
      return 'success'
    case 'cancelled':
    case 'refunded':
      return 'default'
  }
}

/** 确认收货: only a shipped order. */
export function canReceive(o: Pick<Order, 'status'>): boolean {
  return o.status === 'shipped'
}

/** Units of a line that may still be refunded. */
export function refundableQty(l: Pick<OrderLine, 'quantity' | 'refunded_qty'>): number {
  return Math.max(0, l.quantity - l.refunded_qty)
}

/** A refund may be asked while paid, shipped or delivered, for a line with units left. */
export function canRequestRefund(o: Pick<Order, 'status' | 'lines'>): boolean {
  return (o.status === 'paid' || o.status === 'shipped' || o.status === 'delivered') && o.lines.some((l) => refundableQty(l) > 0)
}

/** The lines and units of a refund request, without the zero ones. */
export function refundSelection(picked: Record<number, number>, lines: readonly Pick<OrderLine, 'id' | 'quantity' | 'refunded_qty'>[]): { line_id: number; quantity: number }[] {
  const out: { line_id: number; quantity: number }[] = []
  for (const l of lines) {
    const q = Math.min(picked[l.id] ?? 0, refundableQty(l))
    if (q > 0) out.push({ line_id: l.id, quantity: q })
  }
  return out
}

/**
 * What units `(done, done + k]` of a line worth `amountFen` over `quantity` units come to, as
 * the server counts it (`orders::pricing::unit_share`): shares are cut at whole-unit
 * boundaries, so refunding a line unit by unit adds up to exactly what was paid.
 */
export function unitShareFen(amountFen: number, quantity: number, done: number, k: number): number {
  if (quantity <= 0 || k <= 0) return 0
  const at = (units: number) => Math.trunc((amountFen * Math.min(units, quantity)) / quantity)
  return at(done + k) - at(done)
}

type PaidLine = Pick<OrderLine, 'id' | 'quantity' | 'refunded_qty' | 'line_total_fen' | 'discount_fen'>

/** What the member paid for a line (its total less its coupon share). */
export const paidFen = (l: Pick<OrderLine, 'line_total_fen' | 'discount_fen'>): number => l.line_total_fen - l.discount_fen

/** What `k` more units of a line give back: their share of what was paid, not the list price. */
export function refundLineFen(l: PaidLine, k: number): number {
  return unitShareFen(paidFen(l), l.quantity, l.refunded_qty, k)
}

/** The amount a refund of `selection` would give back (what the server pays on approval). */
export function refundPreviewFen(selection: readonly { line_id: number; quantity: number }[], lines: readonly PaidLine[]): number {
  let sum = 0
  for (const s of selection) {
    const l = lines.find((x) => x.id === s.line_id)
    if (l) sum += refundLineFen(l, s.quantity)
  }
  return sum
}

/** 仅退款 (keep the goods, or never got them) or 退货退款 (send them back first). */
export const REFUND_KINDS = ['refund_only', 'return_refund'] as const
export type RefundKind = (typeof REFUND_KINDS)[number]
/** The preset reasons of the refund form, as on the big shopping apps. */
export const REFUND_REASONS = ['quality', 'missing_wrong', 'not_received', 'not_as_described', 'damaged', 'changed_mind', 'other'] as const
export type RefundReason = (typeof REFUND_REASONS)[number]

interface RefundWords {
  refunds: { kinds: Record<RefundKind, string>; reasons: Record<RefundReason, string> }
}

/**
 * The reason sent to the server, in the supplier's language (Chinese, whatever the member's):
 * `【退货退款】质量问题：details`; the kind and preset lead so the supplier sees them first.
 */
export function composeRefundReason(words: RefundWords, kind: RefundKind, preset: RefundReason | '', text: string): string {
  const details = text.trim()
  const head = `【${words.refunds.kinds[kind]}】`
  if (!preset || preset === 'other') return `${head}${details}`
  return details ? `${head}${words.refunds.reasons[preset]}：${details}` : `${head}${words.refunds.reasons[preset]}`
}

/** Tag colour for where a refund stands. */
export function refundTone(s: RefundStatus): 'primary' | 'success' | 'warning' | 'danger' | 'default' {
  switch (s) {
    case 'requested':
    case 'processing':
      return 'warning'
    case 'succeeded':
      return 'success'
    case 'rejected':
      return 'default'
    case 'failed':
      return 'danger'
  }
}
