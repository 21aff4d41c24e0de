import { describe, expect, it } from 'vitest'
import zhCN from '@/locales/zh-CN'
import { parseApiError } from '@/api/errors'
import en from '@/locales/en'
import {
  APPROVAL_RULE_KINDS,
  CANTEEN_MODES,
  QUOTE_STATUSES,
  RFQ_STATUSES,
  cheapestQuote,
  listToLines,
  APPROVER_ROLES,
  BULK_ORDER_STATUSES,
  FILING_STATUSES,
  INVOICE_STATUSES,
  PROBLEM_COLUMNS,
  REMEDIES,
  STEP_STATUSES,
  bpToPercent,
  cleanLine,
  explainError,
  newSubmissionKey,
  percentToBp,
  statusTone,
  waitingStep,
} from '@/procurement/api'

describe('procurement helpers', () => {
  it('turns percents into basis points exactly, refusing what is not 0-100 with two decimals', () => {
    expect(percentToBp('30')).toBe(3000)
    expect(percentToBp('12.5')).toBe(1250)
    expect(percentToBp('12.05%')).toBe(1205)
    expect(percentToBp('100')).toBe(10000)
    expect(percentToBp('100.01')).toBeNull()
    expect(percentToBp('1.234')).toBeNull()
    expect(percentToBp('-1')).toBeNull()
    expect(percentToBp('')).toBeNull()
    expect(bpToPercent(3000)).toBe('30%')
    expect(bpToPercent(1250)).toBe('12.5%')
    expect(bpToPercent(1205)).toBe('12.05%')
  })

  it('makes one distinct submission key per form, within the server limits (8-64)', () => {
    const a = newSubmissionKey()
    const b = newSubmissionKey()
    expect(a).not.toBe(b)
    expect(a.length).toBeGreaterThanOrEqual(8)
    expect(a.length).toBeLessThanOrEqual(64)
  })

  it('drops empty fields of a typed line', () => {
    expect(cleanLine({ sku_id: null, product: ' 芒果 ', spec: '', quantity: 3, wanted_date: null })).toEqual({ product: '芒果', quantity: 3 })
    expect(cleanLine({ sku_id: 7, quantity: 1 })).toEqual({ sku_id: 7, quantity: 1 })
  })

  it('finds the step an order waits at', () => {
    const approval = [
      { level: 1, role: 'approver' as const, status: 'approved' as const, reasons: [] },
      { level: 2, role: 'unit_admin' as const, status: 'pending' as const, reasons: [] },
    ]
    expect(waitingStep({ approval })?.level).toBe(2)
    expect(waitingStep({ approval: [] })).toBeNull()
    expect(statusTone('pending_approval')).toBe('warning')
    expect(statusTone('completed')).toBe('success')
  })

  it('has a word for every status, step, filing, invoice check, remedy and problem column in both locales', () => {
    for (const loc of [zhCN, en]) {
      const p = loc.proc
      for (const s of BULK_ORDER_STATUSES) expect(p.status[s], s).toBeTruthy()
      for (const s of STEP_STATUSES) expect(p.stepStatus[s], s).toBeTruthy()
      for (const s of FILING_STATUSES) expect(p.filingStatus[s], s).toBeTruthy()
      for (const s of INVOICE_STATUSES) expect(p.invoiceStatus[s], s).toBeTruthy()
      for (const s of REMEDIES) expect(p.remedy[s], s).toBeTruthy()
      for (const s of APPROVER_ROLES) expect(p.approverRole[s], s).toBeTruthy()
      for (const s of PROBLEM_COLUMNS) expect(p.bulk.columns[s], s).toBeTruthy()
      for (const s of APPROVAL_RULE_KINDS) expect(p.settings.kinds[s], s).toBeTruthy()
      for (const s of CANTEEN_MODES) expect(p.settings.modes[s], s).toBeTruthy()
      for (const s of RFQ_STATUSES) expect(p.rfq.status[s], s).toBeTruthy()
      for (const s of QUOTE_STATUSES) expect(p.rfq.quoteStatus[s], s).toBeTruthy()
    }
    expect(zhCN.proc.status.pending_approval).toBe('待审批')
  })

  it('explains a refused dialog by its fields, in the chosen language', () => {
    const e = parseApiError(422, {
      error: { code: 'validation_failed', message: '输入有误 / invalid input', details: { fields: { comment: [{ code: 'required', message: '驳回需填写理由 / a reason is required' }] } } },
    })
    const tr = (locale: string) => ({ t: (k: string) => k, locale })
    expect(explainError(e, tr('zh-CN'))).toBe('驳回需填写理由')
    expect(explainError(e, tr('en'))).toBe('a reason is required')
    expect(explainError(parseApiError(409, { error: { code: 'conflict', message: '状态已变 / changed' } }), tr('zh-CN'))).not.toBe('')
  })

  it('turns a saved list into order form lines and finds the cheapest quote', () => {
    expect(listToLines({ items: [{ sku_id: 7, quantity: 3, product_name: '大米', spec: '5kg', unit: '袋', price_fen: 100, available: true }] })).toEqual([{ sku_id: 7, quantity: 3 }])
    expect(cheapestQuote([])).toBeNull()
    expect(cheapestQuote([{ id: 1, total_fen: 500 }, { id: 2, total_fen: 499 }, { id: 3, total_fen: 499 }])).toBe(2)
  })
})
