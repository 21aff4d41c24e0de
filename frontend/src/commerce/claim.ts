// The claim center's rules: what a campaign's button says, and what a claim attempt's outcome
// (a coupon, or one of the API's refusals) tells the member. Pure: messages are i18n keys.
import { toApiError } from '@/api/errors'
import type { ClaimState } from '@/api/types'

export const CLAIM_STATES = ['open', 'not_started', 'sold_out', 'limit_reached', 'ended', 'not_eligible'] as const satisfies readonly ClaimState[]

export interface ClaimButton {
  /** i18n key of the button's text. */
  key: string
  disabled: boolean
}

/** The button of a claim-center card. A drop that is due to open counts as open. */
export function claimButton(state: ClaimState, msToOpen: number): ClaimButton {
  if (state === 'not_started' && msToOpen <= 0) return { key: 'claim.button.open', disabled: false }
  return { key: `claim.button.${state}`, disabled: state !== 'open' }
}

/** Refusals of POST /api/campaigns/{id}/claim, each with its own text (`claim.outcome.<code>`). */
export const CLAIM_ERROR_CODES = [
  'coupon_limit_reached',
  'coupon_daily_limit_reached',
  'coupon_sold_out',
  'coupon_not_started',
  'coupon_campaign_ended',
  'coupon_not_eligible',
  'coupon_direct_only',
] as const

export interface ClaimOutcome {
  kind: 'success' | 'refused' | 'retry' | 'error'
  /** i18n key of the message. */
  key: string
  params?: Record<string, unknown>
  /** The card's state after this outcome, when the outcome settles it. */
  state?: ClaimState
}

const STATE_AFTER: Partial<Record<(typeof CLAIM_ERROR_CODES)[number], ClaimState>> = {
  coupon_limit_reached: 'limit_reached',
  coupon_daily_limit_reached: 'limit_reached',
  coupon_sold_out: 'sold_out',
  coupon_not_started: 'not_started',
  coupon_campaign_ended: 'ended',
  coupon_not_eligible: 'not_eligible',
}

const isClaimCode = (c: string): c is (typeof CLAIM_ERROR_CODES)[number] => (CLAIM_ERROR_CODES as readonly string[]).includes(c)

/** The outcome of a claim: `null` error means the coupon was issued. */
export function claimOutcome(error: unknown | null): ClaimOutcome {
  if (error == null) return { kind: 'success', key: 'claim.outcome.success' }
  const e = toApiError(error)
  if (isClaimCode(e.code)) return { kind: 'refused', key: `claim.outcome.${e.code}`, state: STATE_AFTER[e.code] }
  if (e.code === 'rate_limited') {
    return e.retryAfterSeconds != null
      ? { kind: 'retry', key: 'claim.outcome.rate_limited_seconds', params: { seconds: e.retryAfterSeconds } }
      : { kind: 'retry', key: 'claim.outcome.rate_limited' }
  }
  if (e.code === 'network_error') return { kind: 'retry', key: 'claim.outcome.network' }
  return { kind: 'error', key: '' } // the caller shows describeError(e)
}

type ClaimableLike = {
  remaining: number
  campaign: { claim_mode: string; daily_quantity?: number | null; total_quantity: number; scope: { categories?: number[]; regions?: string[]; suppliers?: number[]; zones?: string[] } }
}

/** How much of today's drop (or of a direct campaign) is claimed, 0-100, whole percent. */
export function claimedPercent(c: ClaimableLike): number {
  const whole = c.campaign.claim_mode === 'drop' ? (c.campaign.daily_quantity ?? 0) : c.campaign.total_quantity
  if (whole <= 0) return 0
  const claimed = Math.max(0, whole - c.remaining)
  return Math.min(100, Math.floor((claimed * 100) / whole))
}

/**
 * Where 去使用 leads: the products the coupon applies to. A zone's page for a zone; else the
 * search with the one category or region of the scope (several are shown all: the search
 * takes one of each); else the whole shop.
 */
export function scopeLink(scope: ClaimableLike['campaign']['scope']): { path: string; query?: Record<string, string> } {
  const zones = scope.zones ?? []
  const categories = scope.categories ?? []
  const regions = scope.regions ?? []
  if (zones.length === 1) return { path: `/shop/z/${zones[0]}` }
  const query: Record<string, string> = {}
  if (categories.length === 1) query.category = String(categories[0])
  if (regions.length === 1) query.region = regions[0]!
  return Object.keys(query).length ? { path: '/shop/search', query } : { path: '/shop/search' }
}
