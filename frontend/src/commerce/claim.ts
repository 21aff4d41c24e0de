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
