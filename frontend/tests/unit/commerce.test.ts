import { describe, expect, it } from 'vitest'
import { ApiError, describeError, networkError, parseApiError } from '@/api/errors'
import type { Quote } from '@/api/types'
import { emptyAddress, normalizePhone, toShippingAddress, validateAddress } from '@/commerce/address'
import { campaignToForm, emptyCampaignForm, formToInput, minimumBudgetFen, ratioPercent } from '@/commerce/campaignForm'
import { cartTotalFen, groupBySupplier, initialCouponId, lineTotalFen, quoteBreakdown, requoteAfter, sumFen } from '@/commerce/checkout'
import { claimButton, claimedPercent, claimOutcome, scopeLink } from '@/commerce/claim'
import { countdownParts, formatCountdown, formatHms, msUntil, serverOffsetMs } from '@/commerce/countdown'
import { newIdempotencyKey, withIdempotentRetry } from '@/commerce/idempotency'
import { canReceive, canRequestRefund, refundLineFen, refundPreviewFen, refundSelection, refundableQty, unitShareFen } from '@/commerce/orders'

const envelope = (code: string, message = '') => ({ error: { code, message, details: null, request_id: 'r-1' } })
const days = (d: number, hms: string) => `${d}天 ${hms}`

describe('countdown', () => {
  it('uses the server clock: offset = server now − browser now', () => {
    const client = Date.parse('2026-11-22T09:59:00Z')
    const offset = serverOffsetMs('2026-11-22T10:00:00Z', client) // the phone is a minute slow
    expect(offset).toBe(60_000)
    // opens at 10:05 server time: 5 minutes from the server's now, not 6
    expect(msUntil('2026-11-22T10:05:00Z', offset, client)).toBe(300_000)
    expect(msUntil('2026-11-22T09:00:00Z', offset, client)).toBe(0) // already open: never negative
    expect(msUntil(null, offset, client)).toBe(0)
    expect(serverOffsetMs('not a date', client)).toBe(0)
  })

  it('splits into days, hours, minutes, seconds, rounding seconds up', () => {
    expect(countdownParts(0)).toEqual({ days: 0, hours: 0, minutes: 0, seconds: 0 })
    expect(countdownParts(400)).toEqual({ days: 0, hours: 0, minutes: 0, seconds: 1 })
    expect(countdownParts(3_723_000)).toEqual({ days: 0, hours: 1, minutes: 2, seconds: 3 })
    expect(countdownParts(2 * 86_400_000 + 5 * 3600_000 + 4 * 60_000 + 3000)).toEqual({ days: 2, hours: 5, minutes: 4, seconds: 3 })
    expect(countdownParts(-5000)).toEqual({ days: 0, hours: 0, minutes: 0, seconds: 0 })
  })

  it('formats HH:MM:SS, with the days in the locale’s words', () => {
    expect(formatHms({ days: 0, hours: 1, minutes: 2, seconds: 3 })).toBe('01:02:03')
    expect(formatCountdown(59_999, days)).toBe('00:01:00')
    expect(formatCountdown(86_399_000, days)).toBe('23:59:59')
    expect(formatCountdown(86_400_000, days)).toBe('1天 00:00:00')
    expect(formatCountdown(30 * 86_400_000 + 1000, (d, hms) => `${d}d ${hms}`)).toBe('30d 00:00:01')
  })
})

describe('claim', () => {
  it('maps each state to its button', () => {
    expect(claimButton('open', 0)).toEqual({ key: 'claim.button.open', disabled: false })
    expect(claimButton('not_started', 5000)).toEqual({ key: 'claim.button.not_started', disabled: true })
    expect(claimButton('not_started', 0)).toEqual({ key: 'claim.button.open', disabled: false }) // the countdown ran out
    for (const s of ['sold_out', 'limit_reached', 'ended', 'not_eligible'] as const) expect(claimButton(s, 0)).toEqual({ key: `claim.button.${s}`, disabled: true })
  })

  it('maps outcomes to messages and the card state that follows', () => {
    expect(claimOutcome(null)).toEqual({ kind: 'success', key: 'claim.outcome.success' })
    expect(claimOutcome(parseApiError(409, envelope('coupon_limit_reached')))).toEqual({ kind: 'refused', key: 'claim.outcome.coupon_limit_reached', state: 'limit_reached' })
    expect(claimOutcome(parseApiError(409, envelope('coupon_daily_limit_reached'))).state).toBe('limit_reached')
    expect(claimOutcome(parseApiError(409, envelope('coupon_sold_out')))).toEqual({ kind: 'refused', key: 'claim.outcome.coupon_sold_out', state: 'sold_out' })
    expect(claimOutcome(parseApiError(409, envelope('coupon_not_started'))).state).toBe('not_started')
    expect(claimOutcome(parseApiError(409, envelope('coupon_campaign_ended'))).state).toBe('ended')
    expect(claimOutcome(parseApiError(403, envelope('coupon_not_eligible')))).toEqual({ kind: 'refused', key: 'claim.outcome.coupon_not_eligible', state: 'not_eligible' })
    expect(claimOutcome(parseApiError(429, envelope('rate_limited'), new Headers({ 'Retry-After': '3' })))).toEqual({
      kind: 'retry',
      key: 'claim.outcome.rate_limited_seconds',
      params: { seconds: 3 },
    })
    expect(claimOutcome(parseApiError(429, envelope('rate_limited'))).key).toBe('claim.outcome.rate_limited')
    expect(claimOutcome(networkError(new TypeError('Failed to fetch'))).key).toBe('claim.outcome.network')
    expect(claimOutcome(parseApiError(500, envelope('internal', 'boom'))).kind).toBe('error')
  })

  it('gives the commerce refusals friendly text instead of the server message', () => {
    const fakeT = { t: (k: string) => k }
    expect(describeError(parseApiError(409, envelope('price_changed', '价格已变化 / prices changed')), fakeT)).toBe('errors.codes.price_changed')
    expect(describeError(parseApiError(409, envelope('coupon_sold_out')), fakeT)).toBe('errors.codes.coupon_sold_out')
    expect(describeError(parseApiError(409, envelope('refund_open')), fakeT)).toBe('errors.codes.refund_open')
  })

  it('retries a lost answer with the same idempotency key, not a refusal', async () => {
    const keys: string[] = []
    let n = 0
    const r = await withIdempotentRetry(
      async (key) => {
        keys.push(key)
        if (++n < 3) throw networkError(new TypeError('Failed to fetch'))
        return 'ok'
      },
      { delayMs: 0 },
    )
    expect(r).toBe('ok')
    expect(keys).toHaveLength(3)
    expect(new Set(keys).size).toBe(1)
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    let calls = 0
    await expect(
      withIdempotentRetry(async () => {
        calls++
        throw new ApiError({ status: 409, code: 'coupon_sold_out', message: '' })
      }),
    ).rejects.toMatchObject({ code: 'coupon_sold_out' })
    expect(calls).toBe(1)
    expect(newIdempotencyKey()).not.toBe(newIdempotencyKey())
  })
})

// The demo's cart: 百色芒果 ¥79.00 and 赣南脐橙 ¥99.00 from two suppliers, 满50减40 split by value.
const quote: Quote = {
  groups: [
    {
      supplier_org_id: 35,
      supplier_name: '百色市田阳区芒果供应链有限公司',
      lines: [{ sku_id: 9, product_name: '百色芒果', spec: '5kg/箱', quantity: 1, unit_price_fen: 7900, added_price_fen: 7900, line_total_fen: 7900, discount_fen: 1775, assistance_eligible: true, coupon_eligible: true }],
      items_total_fen: 7900,
      discount_fen: 1775,
      amount_due_fen: 6125,
    },
    {
      supplier_org_id: 38,
      supplier_name: '兴国县赣南脐橙贸易有限公司',
      lines: [{ sku_id: 15, product_name: '赣南脐橙', spec: '10kg/箱', quantity: 1, unit_price_fen: 9900, added_price_fen: 9900, line_total_fen: 9900, discount_fen: 2225, assistance_eligible: true, coupon_eligible: true }],
      items_total_fen: 9900,
      discount_fen: 2225,
      amount_due_fen: 7675,
    },
  ],
  items_total_fen: 17800,
  discount_fen: 4000,
  amount_due_fen: 13800,
  coupon_id: 1,
  coupons: [{ coupon_id: 1, campaign_name: '2026冬季消费帮扶券（满50减40）', face_value_fen: 4000, min_spend_fen: 5000, eligible_subtotal_fen: 17800, discount_fen: 4000, usable: true }],
  suggested_coupon_id: 1,
  prices_changed: false,
  problems: [],
}

describe('checkout arithmetic (integer fen)', () => {
  it('multiplies and sums without floating point', () => {
    expect(lineTotalFen(1990, 3)).toBe(5970)
    expect(lineTotalFen(10, 7)).toBe(70) // 0.1 × 7 would be 0.7000000000000001 in yuan
    expect(sumFen([10, 20, 30])).toBe(60)
    expect(() => lineTotalFen(1.5, 2)).toThrow(RangeError)
    expect(() => lineTotalFen(100, -1)).toThrow(RangeError)
    expect(cartTotalFen([
      { unit_price_fen: 7900, quantity: 2, available: true },
      { unit_price_fen: 9900, quantity: 1, available: true },
      { unit_price_fen: 500, quantity: 3, available: false }, // delisted: not counted
    ])).toBe(25700)
  })

  it('breaks a quote down per supplier and checks it against its totals', () => {
    const b = quoteBreakdown(quote)
    expect(b.groups.map((g) => [g.itemsFen, g.discountFen, g.dueFen])).toEqual([
      [7900, 1775, 6125],
      [9900, 2225, 7675],
    ])
    expect([b.itemsFen, b.discountFen, b.dueFen]).toEqual([17800, 4000, 13800])
    expect(b.discountFen).toBe(b.groups.reduce((n, g) => n + g.discountFen, 0)) // the ¥40.00 is fully split
    expect(b.consistent).toBe(true)
    expect(quoteBreakdown({ ...quote, amount_due_fen: 13801 }).consistent).toBe(false)
  })

  it('preselects the suggested coupon when usable', () => {
    expect(initialCouponId(quote)).toBe(1)
    expect(initialCouponId({ coupons: quote.coupons.map((c) => ({ ...c, usable: false, discount_fen: 0 })), suggested_coupon_id: 1 })).toBeNull()
    const two = [
      { ...quote.coupons[0]!, coupon_id: 2, usable: false, discount_fen: 0 },
      { ...quote.coupons[0]!, coupon_id: 3 },
    ]
    expect(initialCouponId({ coupons: two, suggested_coupon_id: 2 })).toBe(3)
    expect(initialCouponId({ coupons: [], suggested_coupon_id: null })).toBeNull()
  })

  it('groups cart lines by supplier and re-quotes after the refusals that move money', () => {
    const g = groupBySupplier([
      { supplier_org_id: 1, supplier_name: 'A', sku_id: 1 },
      { supplier_org_id: 2, supplier_name: 'B', sku_id: 2 },
      { supplier_org_id: 1, supplier_name: 'A', sku_id: 3 },
    ])
    expect(g.map((x) => [x.supplierOrgId, x.lines.map((l) => l.sku_id)])).toEqual([
      [1, [1, 3]],
      [2, [2]],
    ])
    expect(requoteAfter('price_changed')).toBe(true)
    expect(requoteAfter('coupon_unavailable')).toBe(true)
    expect(requoteAfter('out_of_stock')).toBe(true)
    expect(requoteAfter('checkout_in_progress')).toBe(false)
    expect(requoteAfter('validation_failed')).toBe(false)
  })
})

describe('address validation', () => {
  const good = { ...emptyAddress(), recipient: '张伟', phone: '139 0000 0001', province_code: '440000', city_code: '440300', district_code: '440304', detail: '福华路1号' }

  it('accepts a complete address and builds the API body', () => {
    expect(validateAddress(good, true)).toEqual({})
    expect(toShippingAddress(good)).toEqual({ recipient: '张伟', phone: '13900000001', province_code: '440000', city_code: '440300', district_code: '440304', detail: '福华路1号' })
    expect(toShippingAddress({ ...good, district_code: '' }).district_code).toBeNull()
  })

  it('reads phones as the server does', () => {
    expect(normalizePhone('+86 139-0000-0001')).toBe('13900000001')
    expect(normalizePhone('8613900000001')).toBe('13900000001')
    expect(normalizePhone('12900000001')).toBeNull() // second digit 3-9
    expect(normalizePhone('1390000000')).toBeNull()
  })

  it('names each problem by the API field', () => {
    expect(validateAddress(emptyAddress(), false)).toEqual({
      'address.recipient': 'address.errors.recipientRequired',
      'address.phone': 'address.errors.phoneRequired',
      'address.province_code': 'address.errors.regionRequired',
      'address.detail': 'address.errors.detailRequired',
    })
    expect(validateAddress({ ...good, recipient: '张'.repeat(31), phone: '123', detail: '1号' }, true)).toEqual({
      'address.recipient': 'address.errors.recipientLength',
      'address.phone': 'address.errors.phoneFormat',
      'address.detail': 'address.errors.detailLength',
    })
    expect(validateAddress({ ...good, city_code: '' }, false)).toEqual({ 'address.city_code': 'address.errors.regionRequired' })
    expect(validateAddress({ ...good, district_code: '' }, true)).toEqual({ 'address.district_code': 'address.errors.districtRequired' })
    expect(validateAddress({ ...good, district_code: '' }, false)).toEqual({}) // a city without districts
    expect(validateAddress({ ...good, detail: '  福华路1号  ' }, true)).toEqual({}) // counted trimmed
  })
})

describe('orders and refunds', () => {
  const lines = [
    { id: 1, quantity: 3, refunded_qty: 1 },
    { id: 2, quantity: 1, refunded_qty: 1 },
  ]
  it('knows what may still be refunded', () => {
    expect(refundableQty(lines[0]!)).toBe(2)
    expect(refundableQty(lines[1]!)).toBe(0)
    expect(refundSelection({ 1: 5, 2: 1 }, lines)).toEqual([{ line_id: 1, quantity: 2 }]) // capped, zero lines left out
    expect(canRequestRefund({ status: 'delivered', lines: lines as never })).toBe(true)
    expect(canRequestRefund({ status: 'completed', lines: lines as never })).toBe(false)
    expect(canReceive({ status: 'shipped' })).toBe(true)
    expect(canReceive({ status: 'paid' })).toBe(false)
  })
})

describe('campaign form', () => {
  it('sends only the fields of the chosen modes', () => {
    const f = { ...emptyCampaignForm('2026-12-01'), name: ' 测试券 ', face_value_fen: 1000, budget_fen: 100000 }
    const drop = formToInput(f)
    expect(drop).toMatchObject({ name: '测试券', claim_mode: 'drop', daily_quantity: 100, drop_time: '10:00', valid_days: 30, valid_from: null, valid_to: null, audience_values: [] })
    const direct = formToInput({ ...f, claim_mode: 'direct', validity_kind: 'fixed', valid_from: '2026-12-01', valid_to: '2026-12-31' })
    expect(direct).toMatchObject({ daily_quantity: null, drop_time: null, rollover: false, valid_days: null, valid_from: '2026-12-01', valid_to: '2026-12-31' })
    expect(minimumBudgetFen({ face_value_fen: 4000, total_quantity: 30000 })).toBe(120_000_000)
    const back = campaignToForm({ ...drop, id: 1, union_org_id: 7, status: 'draft', issued_count: 0, audience_values: [], rollover: true, scope: { assistance_only: true } } as never)
    expect(back.zones).toEqual([])
    expect(back.assistance_only).toBe(true)
  })

  it('shows the redemption ratio as a percentage without floats', () => {
    expect(ratioPercent('1.0000')).toBe('100.00%')
    expect(ratioPercent('0.1234')).toBe('12.34%')
    expect(ratioPercent('0.0500')).toBe('5.00%')
    expect(ratioPercent('0')).toBe('0.00%')
    expect(ratioPercent('n/a')).toBe('n/a')
  })
})

describe('refund amounts: what was paid, not the list price', () => {
  it('cuts shares at whole units, as the server does', () => {
    // ¥79.00 less a ¥40.00 coupon share = ¥39.00 paid for one unit
    expect(unitShareFen(3900, 1, 0, 1)).toBe(3900)
    // 3 units for ¥100.00: unit by unit adds up to the whole
    const parts = [unitShareFen(10000, 3, 0, 1), unitShareFen(10000, 3, 1, 1), unitShareFen(10000, 3, 2, 1)]
    expect(parts).toEqual([3333, 3333, 3334])
    expect(unitShareFen(10000, 3, 0, 3)).toBe(10000)
    expect(unitShareFen(10000, 3, 2, 5)).toBe(3334) // capped at the line's quantity
    expect(unitShareFen(10000, 0, 0, 1)).toBe(0)
    expect(unitShareFen(10000, 3, 0, 0)).toBe(0)
  })
  it('previews a request from the lines picked', () => {
    const lines = [
      { id: 1, quantity: 2, refunded_qty: 0, line_total_fen: 15800, discount_fen: 4000 },
      { id: 2, quantity: 1, refunded_qty: 0, line_total_fen: 2990, discount_fen: 0 },
    ]
    expect(refundLineFen(lines[0]!, 1)).toBe(5900)
    expect(refundPreviewFen([{ line_id: 1, quantity: 1 }, { line_id: 2, quantity: 1 }], lines)).toBe(5900 + 2990)
    expect(refundPreviewFen([{ line_id: 9, quantity: 1 }], lines)).toBe(0)
  })
})

describe('claim center: the claimed bar and where 去使用 leads', () => {
  const scope = { categories: [] as number[], regions: [] as string[], suppliers: [] as number[], zones: [] as string[] }
  const drop = (remaining: number, daily: number) => ({ remaining, campaign: { claim_mode: 'drop', daily_quantity: daily, total_quantity: 10000, scope } })
  it('counts the day of a drop, the whole of a direct campaign', () => {
    expect(claimedPercent(drop(750, 1000))).toBe(25)
    expect(claimedPercent(drop(0, 1000))).toBe(100)
    expect(claimedPercent(drop(1200, 1000))).toBe(0) // rollover: more left than a day's drop
    expect(claimedPercent(drop(5, 0))).toBe(0)
    expect(claimedPercent({ remaining: 1, campaign: { claim_mode: 'direct', total_quantity: 3, scope } })).toBe(66)
  })
  it('leads to the products the coupon applies to', () => {
    expect(scopeLink(scope)).toEqual({ path: '/shop/search' })
    expect(scopeLink({ ...scope, zones: ['guangxi'] })).toEqual({ path: '/shop/z/guangxi' })
    expect(scopeLink({ ...scope, categories: [3], regions: ['451003'] })).toEqual({ path: '/shop/search', query: { category: '3', region: '451003' } })
    expect(scopeLink({ ...scope, categories: [3, 4] })).toEqual({ path: '/shop/search' })
  })
})
