// The logged-in user (GET /api/me), the active role, and the CSRF token that every non-GET
// request must carry. The session itself is the HttpOnly `bangfu_session` cookie; the bearer
// token in the login response is deliberately not stored (script-readable storage is what XSS
// would steal).
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, unwrap } from '@/api/client'
import { ApiError } from '@/api/errors'
import type { Me, RoleGrant } from '@/api/types'
import { pickInitialGrant, sameGrant, type RememberedGrant } from '@/router/roles'

export const ACTIVE_ROLE_KEY = 'bangfu.activeRole'

function rememberKey(userId: number): string {
  return `${ACTIVE_ROLE_KEY}.${userId}`
}

export function readRemembered(userId: number): RememberedGrant | null {
  try {
    const raw = globalThis.localStorage?.getItem(rememberKey(userId))
    if (!raw) return null
    const v: unknown = JSON.parse(raw)
    if (v && typeof v === 'object' && 'role' in v && 'orgId' in v) {
      const { role, orgId } = v as Record<string, unknown>
      if (typeof role === 'string' && typeof orgId === 'number') return { role, orgId }
    }
  } catch {
    // unreadable: choose again
  }
  return null
}

export function writeRemembered(userId: number, grant: RoleGrant): void {
  try {
    globalThis.localStorage?.setItem(rememberKey(userId), JSON.stringify({ role: grant.role, orgId: grant.org.id }))
  } catch {
    // storage unavailable: the choice lasts for this page only
  }
}

export const useSessionStore = defineStore('session', () => {
  const me = ref<Me | null>(null)
  const active = ref<RoleGrant | null>(null)
  /** True once GET /api/me has answered (either way) after page load. */
  const loaded = ref(false)

  const csrfToken = computed(() => me.value?.csrf_token ?? null)
  const isAuthenticated = computed(() => me.value !== null)

  function setMe(next: Me): void {
    me.value = next
    const keep = active.value && next.roles.find((g) => sameGrant(g, active.value))
    active.value = keep || pickInitialGrant(next, readRemembered(next.user.id))
  }

  function clear(): void {
    me.value = null
    active.value = null
  }

  /** Loads the session on app start; a 401 just means "not logged in". */
  async function init(): Promise<void> {
    try {
      setMe(await unwrap(api.GET('/api/me')))
    } catch (e) {
      clear()
      if (!(e instanceof ApiError) || (e.code !== 'unauthenticated' && e.status !== 401)) {
        console.warn('GET /api/me failed', e)
      }
    } finally {
      loaded.value = true
    }
  }

  /** Throws ApiError (invalid_credentials, rate_limited, network_error, ...). */
  async function login(login: string, password: string): Promise<Me> {
    const res = await unwrap(api.POST('/api/auth/login', { body: { login, password } }))
    setMe(res.me)
    return res.me
  }

  async function logout(): Promise<void> {
    try {
      await unwrap(api.POST('/api/auth/logout', {}))
    } catch (e) {
      // Already logged out or unreachable: forget the session here anyway.
      console.warn('logout failed', e)
    } finally {
      clear()
    }
  }

  function choose(grant: RoleGrant): void {
    active.value = grant
    if (me.value) writeRemembered(me.value.user.id, grant)
  }

  return { me, active, loaded, csrfToken, isAuthenticated, init, login, logout, choose, clear, setMe }
})
