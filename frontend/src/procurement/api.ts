// Institutional procurement (批量下单, 采购订单, 年度预留份额): types from the generated schema,
// the sheet upload, and the pure helpers the pages and the unit tests share.
import { api, unwrap } from '@/api/client'
import type { components } from '@/api/schema'
import { describeError, fieldErrorsOf, localizeServerText, type Translator } from '@/api/errors'

type Schemas = components['schemas']
// The OpenAPI document names two schemas `OrderLine` (a member order's line and a bulk
// order's) and two operations `place` and `get_order` (checkout and bulk orders), so the
// generated types of BulkOrder.lines, GET /api/procurement/orders/{id} and POST
// /api/procurement/orders describe the member shop's. Until the backend names them apart, the
// bulk order's line is written here (src/procurement/dto.rs `OrderLine`) and those two calls
// are typed by hand below.
export interface BulkOrderLine {
  id: number
  line_no: number
  sku_id?: number | null
  product_name: string
  spec: string
  unit: string
  unit_price_fen: number
  price_source: 'list' | 'tier' | 'quote'
  ordered_qty: number
  confirmed_qty?: number | null
  delivered_qty: number
  accepted_qty: number
  rejected_qty: number
  credited_qty: number
  assistance_eligible: boolean
  origin_county_code?: string | null
  accepted_fen: number
}
export type BulkOrder = Omit<Schemas['BulkOrder'], 'lines'> & { lines: BulkOrderLine[] }
export type BulkOrderStatus = Schemas['BulkOrderStatus']
export type Step = BulkOrder['approval'][number]
export type StepStatus = Step['status']
export type Delivery = BulkOrder['deliveries'][number]
export type Invoice = BulkOrder['invoices'][number]
export type InvoiceStatus = Invoice['status']
export type Remedy = Schemas['Remedy']
export type FormLine = Schemas['FormLine']
export type OrderForm = Schemas['OrderForm']
export type DryRun = Schemas['DryRun']
export type CheckedLine = DryRun['lines'][number]
export type SheetChecked = Schemas['SheetChecked']
export type Filing = Schemas['Filing']
export type FilingStatus = Schemas['FilingStatus']
export type SubmitFiling = Schemas['SubmitFiling']
export type ApprovalRuleKind = Schemas['ApprovalRuleKind']
export type CanteenMode = Schemas['CanteenMode']
export type SavedList = Schemas['SavedList']
export type Rfq = Schemas['Rfq']
export type RfqStatus = Schemas['RfqStatus']
export type Quote = Schemas['SupplierQuote']
export type QuoteStatus = Schemas['QuoteStatus']
export type NewRfq = Schemas['NewRfq']
export type SupplierChoice = Schemas['SupplierChoice']

export const APPROVAL_RULE_KINDS = ['order_amount_over', 'month_total_over', 'category'] as const satisfies readonly ApprovalRuleKind[]
export const CANTEEN_MODES = ['own', 'outsourced', 'shared', 'none'] as const satisfies readonly CanteenMode[]
export const RFQ_STATUSES = ['open', 'awarded', 'closed', 'cancelled'] as const satisfies readonly RfqStatus[]
export const QUOTE_STATUSES = ['submitted', 'accepted', 'not_selected', 'withdrawn'] as const satisfies readonly QuoteStatus[]

export const BULK_ORDER_STATUSES = [
  'pending_approval',
  'rejected',
  'awaiting_confirmation',
  'declined',
  'cancelled',
  'confirmed',
  'in_delivery',
  'delivered',
  'accepted',
  'paid',
  'completed',
] as const satisfies readonly BulkOrderStatus[]
export const STEP_STATUSES = ['waiting', 'pending', 'approved', 'rejected', 'cancelled'] as const satisfies readonly StepStatus[]
export const FILING_STATUSES = ['draft', 'submitted', 'approved', 'returned', 'superseded'] as const satisfies readonly FilingStatus[]
export const INVOICE_STATUSES = ['matched', 'mismatched', 'reversed'] as const satisfies readonly InvoiceStatus[]
export const REMEDIES = ['none', 'credit', 'redelivery'] as const satisfies readonly Remedy[]
export const APPROVER_ROLES = ['approver', 'unit_admin'] as const satisfies readonly Step['role'][]
export const PROBLEM_COLUMNS = ['product', 'spec', 'quantity', 'wanted_date', 'sku_id'] as const
/** Tax rates a typed invoice line may carry. */
export const TAX_RATES = ['13%', '9%', '6%', '3%', '1%', '0%', '免税'] as const

const asIs = (body: unknown) => body as FormData

/** POST /api/procurement/orders/upload (fields `file`, `buyer_org_id`): read and dry-run a sheet. */
export function uploadOrderSheet(buyerOrgId: number, file: File): Promise<SheetChecked> {
  const form = new FormData()
  form.append('buyer_org_id', String(buyerOrgId))
  form.append('file', file, file.name)
  return unwrap(api.POST('/api/procurement/orders/upload', { body: form as never, bodySerializer: asIs }))
}

/** GET /api/procurement/orders/{id} (typed by hand: see BulkOrderLine). */
export async function getBulkOrder(id: number): Promise<BulkOrder> {
  const o: unknown = await unwrap(api.GET('/api/procurement/orders/{id}', { params: { path: { id } } }))
  return o as BulkOrder
}

/** POST /api/procurement/orders: every line or none, one order per supplier (typed by hand). */
export async function placeOrder(form: OrderForm): Promise<{ orders: BulkOrder[] }> {
  const placed: unknown = await unwrap(api.POST('/api/procurement/orders', { body: form as never }))
  return placed as { orders: BulkOrder[] }
}

/** A bulk order as every action answers it (the generated type's lines are wrong: see above). */
export async function orderAction(call: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<BulkOrder> {
  const o: unknown = await unwrap(call)
  return o as BulkOrder
}

/** A fresh idempotency key for one order form (8-64 characters). */
export function newSubmissionKey(): string {
  const c = globalThis.crypto
  if (c?.randomUUID) return `bulk-${c.randomUUID()}`
  return `bulk-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`
}

export type Tone = 'primary' | 'success' | 'info' | 'warning' | 'danger'

/** Tag colour of an order status. */
export function statusTone(s: BulkOrderStatus): Tone {
  switch (s) {
    case 'pending_approval':
    case 'awaiting_confirmation':
      return 'warning'
    case 'rejected':
    case 'declined':
    case 'cancelled':
      return 'info'
    case 'completed':
    case 'paid':
      return 'success'
    default:
      return 'primary'
  }
}

/** "30" / "30.5" / "12.25" percent -> basis points; null when it is not 0-100 with ≤ 2 decimals. */
export function percentToBp(input: string): number | null {
  const m = /^\s*(\d{1,3})(?:\.(\d{1,2}))?\s*%?\s*$/.exec(input)
  if (!m) return null
  const bp = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0') || '0')
  return bp <= 10000 ? bp : null
}

/** Basis points -> "30%" / "12.5%". */
export function bpToPercent(bp: number): string {
  const whole = Math.floor(bp / 100)
  const frac = String(bp % 100).padStart(2, '0').replace(/0+$/, '')
  return frac ? `${whole}.${frac}%` : `${whole}%`
}

/** The approval step an order waits at (status `pending`), if any. */
export function waitingStep(o: Pick<BulkOrder, 'approval'>): Step | null {
  return o.approval.find((s) => s.status === 'pending') ?? null
}

/** A form line as it is sent: empty strings dropped. */
export function cleanLine(l: FormLine): FormLine {
  const out: FormLine = { quantity: l.quantity }
  if (l.sku_id) out.sku_id = l.sku_id
  if (l.product?.trim()) out.product = l.product.trim()
  if (l.spec?.trim()) out.spec = l.spec.trim()
  if (l.wanted_date) out.wanted_date = l.wanted_date
  return out
}

/**
 * What went wrong, in words: the messages of a 422's fields (e.g. "驳回需填写理由"), else the
 * usual description of the error. For dialogs whose fields are not one-to-one with the API's.
 */
export function explainError(e: unknown, tr: Translator): string {
  const locale = typeof tr.locale === 'string' ? tr.locale : tr.locale?.value
  const messages = Object.values(fieldErrorsOf(e))
    .flat()
    .map((f) => localizeServerText(f.message, locale))
    .filter(Boolean)
  return messages.length ? [...new Set(messages)].join('；') : describeError(e, tr)
}

/** A saved list's items as order form lines. */
export function listToLines(list: Pick<SavedList, 'items'>): FormLine[] {
  return list.items.map((i) => ({ sku_id: i.sku_id, quantity: i.quantity }))
}

/** The cheapest quote of a request (ties: the first), if any. */
export function cheapestQuote(quotes: readonly Pick<Quote, 'id' | 'total_fen'>[]): number | null {
  let best: Pick<Quote, 'id' | 'total_fen'> | null = null
  for (const q of quotes) if (!best || q.total_fen < best.total_fen) best = q
  return best?.id ?? null
}

/** POST /api/procurement/rfqs/{id}/award: the accepted quote becomes orders (typed by hand, see BulkOrderLine). */
export async function awardQuote(id: number, body: Schemas['AwardQuote']): Promise<{ orders: BulkOrder[] }> {
  const placed: unknown = await unwrap(api.POST('/api/procurement/rfqs/{id}/award', { params: { path: { id } }, body }))
  return placed as { orders: BulkOrder[] }
}
