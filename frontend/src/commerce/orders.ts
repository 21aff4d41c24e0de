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
