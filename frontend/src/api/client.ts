// Typed API client (openapi-fetch over the generated schema). Same origin, cookie session;
// every non-GET request carries the CSRF token from the session store.
import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './schema'
import { networkError, parseApiError } from './errors'

export interface ClientHooks {
  /** The current CSRF token (from GET /api/me or the login response), if any. */
  csrfToken: () => string | null
  /** Called when a request that needed a session got 401: the session is gone. */
  onUnauthorized: () => void
}

const hooks: ClientHooks = {
  csrfToken: () => null,
  onUnauthorized: () => {},
}

export function configureClient(h: Partial<ClientHooks>): void {
  Object.assign(hooks, h)
}

/** Endpoints where 401 is an answer, not a lost session. */
const NO_REDIRECT_ON_401 = ['/api/auth/login', '/api/me', '/api/auth/logout']

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export const csrfMiddleware: Middleware = {
  onRequest({ request }) {
    if (!SAFE_METHODS.has(request.method.toUpperCase())) {
      const token = hooks.csrfToken()
      if (token) request.headers.set('X-CSRF-Token', token)
    }
    return request
  },
  onResponse({ request, response }) {
    if (response.status === 401) {
      const path = new URL(request.url).pathname
      if (!NO_REDIRECT_ON_401.includes(path)) hooks.onUnauthorized()
    }
    return response
  },
}

export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? '',
  credentials: 'same-origin',
  headers: { Accept: 'application/json' },
})
api.use(csrfMiddleware)

type FetchResult<T> = { data?: T; error?: unknown; response: Response }

/** Awaits an openapi-fetch call and returns its data, or throws an ApiError. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>
  try {
    result = await call
  } catch (e) {
    throw networkError(e)
  }
  const { data, error, response } = result
  if (!response.ok || error !== undefined) {
    throw parseApiError(response.status, error, response.headers)
  }
  return data as T
}
