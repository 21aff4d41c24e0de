// The campaign editor's form <-> CampaignInput. Amounts stay integer fen (the editor types yuan
// through MoneyInput); fields that do not apply to the chosen mode are sent as null.
import type { Campaign, CampaignInput } from '@/api/types'

export interface CampaignForm {
  name: string
  face_value_fen: number | null
  min_spend_fen: number | null
  total_quantity: number
  budget_fen: number | null
  per_member_limit: number
  per_member_daily_limit: number
  audience_kind: CampaignInput['audience_kind']
  audience_values: string[]
  claim_mode: CampaignInput['claim_mode']
  daily_quantity: number
  drop_time: string
  rollover: boolean
  validity_kind: CampaignInput['validity_kind']
  valid_from: string
  valid_to: string
  valid_days: number
  assistance_only: boolean
  zones: string[]
  regions: string[]
  categories: number[]
  suppliers: number[]
  starts_on: string
  ends_on: string
}

export function emptyCampaignForm(today: string): CampaignForm {
  return {
    name: '',
    face_value_fen: null,
    min_spend_fen: 0,
    total_quantity: 1000,
    budget_fen: null,
    per_member_limit: 1,
    per_member_daily_limit: 1,
    audience_kind: 'all',
    audience_values: [],
    claim_mode: 'drop',
    daily_quantity: 100,
    drop_time: '10:00',
    rollover: true,
    validity_kind: 'relative',
    valid_from: '',
    valid_to: '',
    valid_days: 30,
    assistance_only: true,
    zones: [],
    regions: [],
    categories: [],
    suppliers: [],
    starts_on: today,
    ends_on: today,
  }
}

export function campaignToForm(c: Campaign): CampaignForm {
  return {
    name: c.name,
    face_value_fen: c.face_value_fen,
    min_spend_fen: c.min_spend_fen,
    total_quantity: c.total_quantity,
    budget_fen: c.budget_fen,
    per_member_limit: c.per_member_limit,
    per_member_daily_limit: c.per_member_daily_limit,
    audience_kind: c.audience_kind,
    audience_values: [...c.audience_values],
    claim_mode: c.claim_mode,
    daily_quantity: c.daily_quantity ?? 100,
    drop_time: c.drop_time ?? '10:00',
    rollover: c.rollover,
    validity_kind: c.validity_kind,
    valid_from: c.valid_from ?? '',
    valid_to: c.valid_to ?? '',
    valid_days: c.valid_days ?? 30,
    assistance_only: c.scope.assistance_only ?? false,
    zones: [...(c.scope.zones ?? [])],
    regions: [...(c.scope.regions ?? [])],
    categories: [...(c.scope.categories ?? [])],
    suppliers: [...(c.scope.suppliers ?? [])],
    starts_on: c.starts_on,
    ends_on: c.ends_on,
  }
}

/** face value × total quantity, the least budget that covers every coupon (fen). */
export function minimumBudgetFen(f: Pick<CampaignForm, 'face_value_fen' | 'total_quantity'>): number | null {
  if (f.face_value_fen == null || !Number.isSafeInteger(f.total_quantity)) return null
  const v = f.face_value_fen * f.total_quantity
  return Number.isSafeInteger(v) ? v : null
}

export function formToInput(f: CampaignForm): CampaignInput {
  const drop = f.claim_mode === 'drop'
  const fixed = f.validity_kind === 'fixed'
  return {
    name: f.name.trim(),
    face_value_fen: f.face_value_fen ?? 0,
    min_spend_fen: f.min_spend_fen ?? 0,
    total_quantity: f.total_quantity,
    budget_fen: f.budget_fen ?? 0,
    per_member_limit: f.per_member_limit,
    per_member_daily_limit: f.per_member_daily_limit,
    audience_kind: f.audience_kind,
    audience_values: f.audience_kind === 'all' ? [] : f.audience_values.map((v) => v.trim()).filter(Boolean),
    claim_mode: f.claim_mode,
    daily_quantity: drop ? f.daily_quantity : null,
    drop_time: drop ? f.drop_time || null : null,
    rollover: drop && f.rollover,
    validity_kind: f.validity_kind,
    valid_from: fixed ? f.valid_from || null : null,
    valid_to: fixed ? f.valid_to || null : null,
    valid_days: fixed ? null : f.valid_days,
    scope: { assistance_only: f.assistance_only, zones: f.zones, regions: f.regions, categories: f.categories, suppliers: f.suppliers },
    starts_on: f.starts_on,
    ends_on: f.ends_on,
  }
}

/** "0.1234" (four decimals, as the API sends it) -> "12.34%", by string handling. */
export function ratioPercent(ratio: string): string {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(ratio.trim())
  if (!m) return ratio
  const digits = (m[1] ?? '0') + (m[2] ?? '').padEnd(4, '0').slice(0, 4) // ten-thousandths
  const n = Number(digits) // safe: a ratio is small
  const whole = Math.floor(n / 100)
  const frac = String(n % 100).padStart(2, '0')
  return `${whole}.${frac}%`
}

/** Today's date in Asia/Shanghai, YYYY-MM-DD. */
export function todayInShanghai(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
}
