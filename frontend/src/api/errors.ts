// The backend's error envelope: {"error":{"code","message","details","request_id"}}.
// Everything that goes wrong with a request ends up as one ApiError, including network
// failures and bodies that are not the envelope (a proxy's HTML 502 page, say).
import type { ErrorCode } from './types'

export const NETWORK_ERROR = 'network_error'

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details: Record<string, unknown> | null
  readonly requestId: string | null
  /** Seconds from a Retry-After header, when the response had one. */
  readonly retryAfterSeconds: number | null

  constructor(init: {
    status: number
    code: string
    message: string
    details?: Record<string, unknown> | null
    requestId?: string | null
    retryAfterSeconds?: number | null
  }) {
    super(init.message)
    this.name = 'ApiError'
    this.status = init.status
    this.code = init.code
    this.details = init.details ?? null
    this.requestId = init.requestId ?? null
    this.retryAfterSeconds = init.retryAfterSeconds ?? null
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value == null) return null
  const trimmed = value.trim()
  if (trimmed === '') return null
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return null
  return Math.max(0, Math.ceil((at - now) / 1000))
}

function fallbackCode(status: number): string {
  switch (status) {
    case 401:
      return 'unauthenticated'
    case 403:
      return 'forbidden'
    case 404:
      return 'not_found'
    case 429:
      return 'rate_limited'
    default:
      return status >= 500 ? 'server_error' : `http_${status}`
  }
}

/**
 * Turns a failed response into an ApiError. `body` is whatever came back: the parsed envelope,
 * a string, or nothing.
 */
export function parseApiError(status: number, body: unknown, headers?: Headers | null): ApiError {
  const retryAfterSeconds = parseRetryAfter(headers?.get('Retry-After'))
  const headerRequestId = headers?.get('X-Request-Id') ?? null
  const envelope = isRecord(body) && isRecord(body.error) ? body.error : null
  if (envelope && typeof envelope.code === 'string' && envelope.code !== '') {
    return new ApiError({
      status,
      code: envelope.code,
      message: typeof envelope.message === 'string' ? envelope.message : '',
      details: isRecord(envelope.details) ? envelope.details : null,
      requestId: typeof envelope.request_id === 'string' ? envelope.request_id : headerRequestId,
      retryAfterSeconds,
    })
  }
  return new ApiError({
    status,
    code: fallbackCode(status),
    message: '',
    requestId: headerRequestId,
    retryAfterSeconds,
  })
}

export function networkError(cause: unknown): ApiError {
  const err = new ApiError({ status: 0, code: NETWORK_ERROR, message: cause instanceof Error ? cause.message : String(cause) })
  return err
}

export function toApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : networkError(e)
}

/** Minimal translator shape, so this module does not depend on vue-i18n. */
export interface Translator {
  t: (key: string, named?: Record<string, unknown>) => string
  /** The current language (vue-i18n's composer has it as a ref); picks one half of "中文 / English". */
  locale?: { value: string } | string
}

function localeOf(tr: Translator): string | undefined {
  return typeof tr.locale === 'string' ? tr.locale : tr.locale?.value
}

/**
 * The backend writes its messages in both languages, "中文 / English". Shows the half that
 * matches the language (Chinese unless the language is English); other text is left alone.
 */
export function localizeServerText(text: string, locale: string | undefined): string {
  const parts = text.split(/ ?\/ (?=\S)/)
  if (parts.length !== 2) return text
  const [zh, en] = parts as [string, string]
  if (!/[\u3400-\u9fff]/.test(zh)) return text // not the bilingual pattern
  return locale === 'en' ? en.trim() : zh.trim()
}

export interface FieldError {
  code: string
  message: string
}

/**
 * Field errors of a 422 (`details.fields`: field -> [{code, message}]); field names are the
 * API's, e.g. `name`, `skus[0].price_fen`, `skus[0].tiers[1]`. Empty for other errors.
 */
export function fieldErrorsOf(e: unknown): Record<string, FieldError[]> {
  if (!(e instanceof ApiError) || !e.details) return {}
  const fields = e.details.fields
  if (!isRecord(fields)) return {}
  const out: Record<string, FieldError[]> = {}
  for (const [field, list] of Object.entries(fields)) {
    if (!Array.isArray(list)) continue
    const errs = list
      .filter(isRecord)
      .map((x) => ({ code: typeof x.code === 'string' ? x.code : 'invalid', message: typeof x.message === 'string' ? x.message : '' }))
    if (errs.length) out[field] = errs
  }
  return out
}

/**
 * Codes with their own friendly text (`errors.codes.<code>`) instead of the server's message:
 * the refusals of coupons, checkout, membership verification and refunds.
 */
export const FRIENDLY_ERROR_CODES = [
  'coupon_limit_reached',
  'coupon_daily_limit_reached',
  'coupon_sold_out',
  'coupon_not_started',
  'coupon_campaign_ended',
  'coupon_not_eligible',
  'coupon_direct_only',
  'price_changed',
  'out_of_stock',
  'coupon_unavailable',
  'coupon_not_applicable',
  'checkout_problems',
  'checkout_in_progress',
  'membership_taken',
  'refund_open',
] as const satisfies readonly ErrorCode[]

const isFriendly = (code: string) => (FRIENDLY_ERROR_CODES as readonly string[]).includes(code)

/**
 * Text to show a person. Well-known codes get friendly, localised text; otherwise the server's
 * own message is shown, with the request id so that support can find it in the logs.
 */
export function describeError(e: unknown, tr: Translator): string {
  const { t } = tr
  const err = toApiError(e)
  switch (err.code) {
    case NETWORK_ERROR:
      return t('errors.network')
    case 'invalid_credentials':
      return t('errors.invalid_credentials')
    case 'rate_limited':
      return err.retryAfterSeconds != null
        ? t('errors.rate_limited_seconds', { seconds: err.retryAfterSeconds })
        : t('errors.rate_limited')
    case 'unauthenticated':
      return t('errors.unauthenticated')
    case 'forbidden':
      return localizeServerText(err.message, localeOf(tr)) || t('errors.forbidden')
    default: {
      if (isFriendly(err.code)) return t(`errors.codes.${err.code}`)
      const text = localizeServerText(err.message, localeOf(tr)) || (err.status >= 500 ? t('errors.server') : t('errors.unknown', { status: err.status }))
      return err.requestId ? `${text} (${t('errors.request_id')}: ${err.requestId})` : text
    }
  }
}
