import { describe, expect, it, vi } from 'vitest'
import createClient from 'openapi-fetch'
import type { paths } from '@/api/schema'
import { ApiError, describeError, networkError, parseApiError, parseRetryAfter } from '@/api/errors'
import { configureClient, csrfMiddleware, unwrap } from '@/api/client'

const envelope = (code: string, message = 'msg', extra: Record<string, unknown> = {}) => ({
  error: { code, message, details: null, request_id: 'req-1', ...extra },
})

// Returns the key and the named values, so tests can check which text was chosen.
const fakeT = { t: (key: string, named?: Record<string, unknown>) => (named ? `${key} ${JSON.stringify(named)}` : key) }

describe('parseApiError', () => {
  it('reads the envelope', () => {
    const e = parseApiError(409, envelope('coupon_expired', 'Coupon expired', { details: { field: 'x' } }))
    expect(e).toBeInstanceOf(ApiError)
    expect(e).toMatchObject({ status: 409, code: 'coupon_expired', message: 'Coupon expired', requestId: 'req-1', details: { field: 'x' } })
  })

  it('takes seconds from Retry-After on 429', () => {
    const e = parseApiError(429, envelope('rate_limited'), new Headers({ 'Retry-After': '42' }))
    expect(e.code).toBe('rate_limited')
    expect(e.retryAfterSeconds).toBe(42)
  })

  it('falls back on the status when the body is not the envelope', () => {
    expect(parseApiError(502, '<html>Bad gateway</html>').code).toBe('server_error')
    expect(parseApiError(401, undefined).code).toBe('unauthenticated')
    expect(parseApiError(404, { error: 'nope' }).code).toBe('not_found')
    expect(parseApiError(418, null).code).toBe('http_418')
    expect(parseApiError(500, { error: { code: '' } }).code).toBe('server_error')
  })

  it('keeps the request id from the header when the body has none', () => {
    expect(parseApiError(500, 'oops', new Headers({ 'X-Request-Id': 'abc' })).requestId).toBe('abc')
  })
})

describe('parseRetryAfter', () => {
  it('accepts seconds and HTTP dates', () => {
    expect(parseRetryAfter('30')).toBe(30)
    expect(parseRetryAfter(null)).toBeNull()
    expect(parseRetryAfter('soon')).toBeNull()
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60)
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0)
  })
})

describe('describeError', () => {
  it('maps well-known codes to friendly text', () => {
    expect(describeError(parseApiError(401, envelope('invalid_credentials', 'bad')), fakeT)).toBe('errors.invalid_credentials')
    expect(describeError(networkError(new TypeError('Failed to fetch')), fakeT)).toBe('errors.network')
    expect(describeError(new TypeError('Failed to fetch'), fakeT)).toBe('errors.network')
    expect(describeError(parseApiError(429, envelope('rate_limited'), new Headers({ 'Retry-After': '7' })), fakeT)).toBe(
      'errors.rate_limited_seconds {"seconds":7}',
    )
    expect(describeError(parseApiError(429, envelope('rate_limited')), fakeT)).toBe('errors.rate_limited')
  })

  it("shows the server's message with the request id otherwise", () => {
    expect(describeError(parseApiError(422, envelope('uscc_invalid', 'USCC check digit is wrong')), fakeT)).toBe(
      'USCC check digit is wrong (errors.request_id: req-1)',
    )
    expect(describeError(parseApiError(503, 'down'), fakeT)).toBe('errors.server')
  })
})

describe('client middleware', () => {
  function client(fetchImpl: (r: Request) => Promise<Response>) {
    const c = createClient<paths>({ baseUrl: 'http://bangfu.test', fetch: fetchImpl })
    c.use(csrfMiddleware)
    return c
  }
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } })

  it('sends X-CSRF-Token on non-GET requests only', async () => {
    configureClient({ csrfToken: () => 'tok-123' })
    const seen: Request[] = []
    const c = client(async (r) => {
      seen.push(r)
      return r.method === 'GET' ? json(200, { items: [] }) : new Response(null, { status: 204 })
    })
    await unwrap(c.GET('/api/regions'))
    await c.POST('/api/auth/logout', {})
    expect(seen[0]?.headers.get('X-CSRF-Token')).toBeNull()
    expect(seen[1]?.headers.get('X-CSRF-Token')).toBe('tok-123')
  })

  it('reports a lost session on 401, except from login and /api/me', async () => {
    const onUnauthorized = vi.fn()
    configureClient({ onUnauthorized })
    const c = client(async () => json(401, envelope('unauthenticated')))
    await expect(unwrap(c.POST('/api/auth/login', { body: { login: 'a', password: 'b' } }))).rejects.toMatchObject({ code: 'unauthenticated' })
    await expect(unwrap(c.GET('/api/me'))).rejects.toBeInstanceOf(ApiError)
    expect(onUnauthorized).not.toHaveBeenCalled()
    await expect(unwrap(c.GET('/api/orgs'))).rejects.toMatchObject({ status: 401 })
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('turns a failed fetch into network_error', async () => {
    const c = client(async () => {
      throw new TypeError('Failed to fetch')
    })
    await expect(unwrap(c.GET('/api/me'))).rejects.toMatchObject({ code: 'network_error', status: 0 })
  })

  it('parses the envelope and Retry-After of a 429', async () => {
    const c = client(async () => json(429, envelope('rate_limited', 'slow down'), { 'Retry-After': '12' }))
    await expect(unwrap(c.POST('/api/auth/login', { body: { login: 'a', password: 'b' } }))).rejects.toMatchObject({
      code: 'rate_limited',
      retryAfterSeconds: 12,
      message: 'slow down',
    })
  })
})
