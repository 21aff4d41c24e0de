import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Me } from '@/api/types'

// openapi-fetch captures globalThis.fetch when the client is created, so the fake fetch is
// installed before the modules are (re)imported.
const ME: Me = {
  user: { id: 3, username: 'multi', display_name: '多角色', phone_masked: '138****1234' },
  roles: [
    { role: 'buyer', org: { id: 10, name: '某局', kind: 'budget_unit' } },
    { role: 'member', org: { id: 20, name: '市总工会', kind: 'union' } },
  ],
  csrf_token: 'csrf-xyz',
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

async function load(fetchImpl: (r: Request) => Promise<Response>) {
  vi.resetModules()
  vi.stubGlobal('fetch', vi.fn(fetchImpl))
  const client = await import('@/api/client')
  const mod = await import('@/stores/session')
  setActivePinia(createPinia())
  const session = mod.useSessionStore()
  client.configureClient({ csrfToken: () => session.csrfToken })
  return { session, mod }
}

describe('session store', () => {
  beforeEach(() => localStorage.clear())

  it('treats 401 from /api/me as logged out', async () => {
    const { session } = await load(async () => json(401, { error: { code: 'unauthenticated', message: '', details: null, request_id: 'r' } }))
    await session.init()
    expect(session.loaded).toBe(true)
    expect(session.isAuthenticated).toBe(false)
  })

  it('keeps the CSRF token from login and sends it on logout', async () => {
    const requests: Request[] = []
    const { session } = await load(async (r) => {
      requests.push(r)
      if (r.url.endsWith('/api/auth/login')) return json(200, { token: 't', expires_at: '2030-01-01T00:00:00Z', me: ME })
      return new Response(null, { status: 204 })
    })
    await session.login('multi', 'pw')
    expect(session.csrfToken).toBe('csrf-xyz')
    expect(session.active).toBeNull() // two roles, nothing remembered: the picker decides
    await session.logout()
    expect(requests[1]?.headers.get('X-CSRF-Token')).toBe('csrf-xyz')
    expect(session.me).toBeNull()
  })

  it('remembers the chosen role per user', async () => {
    const { session, mod } = await load(async () => json(200, ME))
    await session.init()
    const member = ME.roles[1]!
    session.choose(member)
    expect(mod.readRemembered(3)).toEqual({ role: 'member', orgId: 20 })

    setActivePinia(createPinia())
    const again = mod.useSessionStore()
    await again.init()
    expect(again.active).toEqual(member)
  })

  it('does not throw when logout fails', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { session } = await load(async (r) => {
      if (r.url.endsWith('/api/me')) return json(200, ME)
      throw new TypeError('Failed to fetch')
    })
    await session.init()
    await expect(session.logout()).resolves.toBeUndefined()
    expect(session.me).toBeNull()
  })
})
