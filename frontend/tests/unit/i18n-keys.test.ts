// Every literal message key used in the source exists in the locales (a missing key would show
// up as the key itself on screen). Keys built at run time (`certKinds.${k}`) are checked by the
// enum tests below instead.
import { describe, expect, it } from 'vitest'
import zhCN from '@/locales/zh-CN'
import {
  CERT_KINDS,
  CERT_STATUSES,
  DOCUMENT_KINDS,
  PRODUCT_STATUSES,
  PROGRAMMES,
  SORTS,
  STORAGES,
  SUPPLIER_STATUSES,
  ZONE_RULES,
} from '@/catalog/enums'
import { IMAGE_ERROR_CODES } from '@/api/upload'
import { FRIENDLY_ERROR_CODES } from '@/api/errors'
import { CLAIM_ERROR_CODES, CLAIM_STATES } from '@/commerce/claim'
import { CAMPAIGN_STATUSES, COUPON_STATUSES, ORDER_STATUSES, PAYMENT_STATUSES, REFUND_STATUSES, SETTLEMENT_STATUSES } from '@/commerce/orders'

// The source text of every module (Vite's glob import, also in vitest).
const SOURCES = import.meta.glob(['/src/**/*.vue', '/src/**/*.ts', '!/src/**/*.d.ts', '!/src/locales/**'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>

function leafKeys(obj: Record<string, unknown>, prefix = ''): Set<string> {
  const out = new Set<string>()
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (v && typeof v === 'object') for (const kk of leafKeys(v as Record<string, unknown>, key)) out.add(kk)
    else out.add(key)
  }
  return out
}

const keys = leafKeys(zhCN)
const PATTERNS = [/\bt\(\s*'([A-Za-z][\w]*(?:\.[\w]+)+)'/g, /\b(?:label|title):\s*'([a-z][\w]*(?:\.[\w]+)+)'/g]

describe('message keys', () => {
  it('every literal key used in src exists', () => {
    const missing: string[] = []
    expect(Object.keys(SOURCES).length).toBeGreaterThan(50)
    for (const [file, text] of Object.entries(SOURCES)) {
      for (const re of PATTERNS) {
        for (const m of text.matchAll(re)) {
          const key = m[1]!
          if (!keys.has(key)) missing.push(`${file}: ${key}`)
        }
      }
    }
    expect(missing).toEqual([])
  })

  it('every enum value has its label', () => {
    const need = [
      ...CERT_KINDS.map((k) => `certKinds.${k}`),
      ...CERT_STATUSES.map((k) => `certStatuses.${k}`),
      ...PRODUCT_STATUSES.map((k) => `productStatuses.${k}`),
      ...SUPPLIER_STATUSES.map((k) => `supplierStatuses.${k}`),
      ...SUPPLIER_STATUSES.map((k) => `supplier.application.statusHint.${k}`),
      ...STORAGES.map((k) => `storages.${k}`),
      ...DOCUMENT_KINDS.map((k) => `documentKinds.${k}`),
      ...ZONE_RULES.map((k) => `zoneRules.${k}`),
      ...PROGRAMMES.map((k) => `regions.programmes.${k}`),
      ...SORTS.map((k) => `sorts.${k}`),
      ...IMAGE_ERROR_CODES.map((k) => `media.errors.${k}`),
      ...['empty', 'format', 'decimals', 'too_large'].map((k) => `money.${k}`),
      ...FRIENDLY_ERROR_CODES.map((k) => `errors.codes.${k}`),
      ...CLAIM_STATES.map((k) => `claim.button.${k}`),
      ...CLAIM_ERROR_CODES.map((k) => `claim.outcome.${k}`),
      ...ORDER_STATUSES.map((k) => `orderStatuses.${k}`),
      ...REFUND_STATUSES.map((k) => `refundStatuses.${k}`),
      ...[...PAYMENT_STATUSES, 'cancelled'].map((k) => `paymentStatuses.${k}`),
      ...SETTLEMENT_STATUSES.map((k) => `settlementStatuses.${k}`),
      ...COUPON_STATUSES.map((k) => `couponStatuses.${k}`),
      ...CAMPAIGN_STATUSES.map((k) => `campaignStatuses.${k}`),
      ...['pending', 'running', 'done', 'failed'].map((k) => `roster.statuses.${k}`),
      ...['province', 'city', 'district'].map((k) => `address.${k}`),
    ]
    expect(need.filter((k) => !keys.has(k))).toEqual([])
  })
})
