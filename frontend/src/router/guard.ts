// Navigation decisions, kept free of Vue and the router so they can be unit tested.
import type { Me, Role, RoleGrant } from '@/api/types'
import { homeFor, safeRedirect } from './roles'

export interface GuardRoute {
  name?: string | symbol | null
  path: string
  fullPath: string
  query?: Record<string, unknown>
  meta: {
    /** Reachable without a session (login). */
    public?: boolean
    /** Roles that may use this route; absent = any logged-in user. */
    roles?: readonly Role[]
  }
}

export interface GuardState {
  me: Me | null
  active: RoleGrant | null
}

export type GuardDecision =
  | { kind: 'allow' }
  | { kind: 'redirect'; to: string }
  /** The user holds a fitting role, just not the active one: switch, then allow. */
  | { kind: 'switch'; grant: RoleGrant }

export const LOGIN_PATH = '/login'
export const CHOOSE_ROLE_PATH = '/choose-role'

function withRedirect(path: string, target: string): string {
  return `${path}?redirect=${encodeURIComponent(target)}`
}

/** Where a logged-in user lands when nothing more specific is asked for. */
export function landingFor(state: GuardState, redirect?: string | null): string {
  if (!state.active) {
    return redirect ? withRedirect(CHOOSE_ROLE_PATH, redirect) : CHOOSE_ROLE_PATH
  }
  return redirect ?? homeFor(state.active.role)
}

export function decide(to: GuardRoute, state: GuardState): GuardDecision {
  const { me, active } = state

  if (to.meta.public) {
    // A logged-in user has no business on the login page.
    if (me && to.path === LOGIN_PATH) {
      return { kind: 'redirect', to: landingFor(state, safeRedirect(to.query?.redirect)) }
    }
    return { kind: 'allow' }
  }

  if (!me) {
    return { kind: 'redirect', to: to.fullPath === '/' ? LOGIN_PATH : withRedirect(LOGIN_PATH, to.fullPath) }
  }

  if (to.path === '/') return { kind: 'redirect', to: landingFor(state) }

  const allowed = to.meta.roles
  if (!allowed) return { kind: 'allow' }

  if (active && allowed.includes(active.role)) return { kind: 'allow' }

  // A deep link into another of the user's areas: switch to that role rather than refuse.
  const fitting = me.roles.find((g) => allowed.includes(g.role))
  if (fitting && (active || me.roles.length === 1)) return { kind: 'switch', grant: fitting }
  if (!active) return { kind: 'redirect', to: withRedirect(CHOOSE_ROLE_PATH, to.fullPath) }

  // Wrong role: back to the user's own home.
  return { kind: 'redirect', to: homeFor(active.role) }
}
