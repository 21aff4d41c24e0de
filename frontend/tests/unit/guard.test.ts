import { describe, expect, it } from 'vitest'
import type { Me, Role, RoleGrant } from '@/api/types'
import { decide, landingFor, type GuardRoute } from '@/router/guard'
import { ALL_ROLES, AREA_ROLES, homeFor, navFor, pickInitialGrant, safeRedirect } from '@/router/roles'

let nextOrg = 1
const grant = (role: Role, kind: RoleGrant['org']['kind'] = 'platform'): RoleGrant => ({
  role,
  org: { id: nextOrg++, name: `org-${role}`, kind },
})
const me = (...roles: RoleGrant[]): Me => ({
  user: { id: 7, username: 'u', display_name: 'U', phone_masked: null },
  roles,
  csrf_token: 'csrf',
})
const route = (fullPath: string, meta: GuardRoute['meta'] = {}): GuardRoute => ({
  path: fullPath.split('?')[0] ?? fullPath,
  fullPath,
  meta,
  query: Object.fromEntries(new URLSearchParams(fullPath.split('?')[1] ?? '')),
})

describe('role -> home', () => {
  it('maps every role to its area', () => {
    expect(Object.fromEntries(ALL_ROLES.map((r) => [r, homeFor(r)]))).toEqual({
      operator: '/admin',
      union_admin: '/union',
      member: '/m',
      unit_admin: '/unit',
      buyer: '/unit',
      approver: '/unit',
      supplier_admin: '/supplier',
      supplier_staff: '/supplier',
      regulator: '/regulator',
      district_officer: '/district',
    })
  })

  it("each role's home area admits that role", () => {
    const areaOf: Record<string, readonly Role[]> = {
      '/m': AREA_ROLES.member,
      '/admin': AREA_ROLES.admin,
      '/union': AREA_ROLES.union,
      '/unit': AREA_ROLES.unit,
      '/supplier': AREA_ROLES.supplier,
      '/regulator': AREA_ROLES.regulator,
      '/district': AREA_ROLES.district,
    }
    for (const r of ALL_ROLES) expect(areaOf[homeFor(r)], r).toContain(r)
  })

  it('gives only the operator the operator sections', () => {
    expect(navFor('operator').map((n) => n.to)).toEqual([
      '/admin',
      '/admin/orgs',
      '/admin/regions',
      '/admin/review/suppliers',
      '/admin/review/certificates',
      '/admin/review/products',
      '/admin/zones',
      '/admin/settlements',
      '/admin/audit',
    ])
    for (const r of ALL_ROLES.filter((r) => r !== 'operator')) {
      expect(navFor(r).every((n) => n.to.startsWith(homeFor(r))), r).toBe(true)
    }
  })
})

describe('pickInitialGrant', () => {
  it('uses the only role, or the remembered one, else asks', () => {
    const a = grant('buyer', 'budget_unit')
    const b = grant('member', 'union')
    expect(pickInitialGrant(me(a), null)).toBe(a)
    expect(pickInitialGrant(me(a, b), null)).toBeNull()
    expect(pickInitialGrant(me(a, b), { role: 'member', orgId: b.org.id })).toBe(b)
    expect(pickInitialGrant(me(a, b), { role: 'member', orgId: 999 })).toBeNull()
    expect(pickInitialGrant(me(), null)).toBeNull()
  })
})

describe('safeRedirect', () => {
  it('accepts same-site paths only', () => {
    expect(safeRedirect('/admin/orgs?kind=union')).toBe('/admin/orgs?kind=union')
    expect(safeRedirect('//evil.example')).toBeNull()
    expect(safeRedirect('/\\evil.example')).toBeNull()
    expect(safeRedirect('https://evil.example')).toBeNull()
    expect(safeRedirect(['/a'])).toBeNull()
    expect(safeRedirect(undefined)).toBeNull()
  })
})

describe('decide', () => {
  const adminMeta = { roles: AREA_ROLES.admin }
  const memberMeta = { roles: AREA_ROLES.member }

  it('sends the unauthenticated to /login, keeping the target', () => {
    expect(decide(route('/admin/orgs?kind=union', adminMeta), { me: null, active: null })).toEqual({
      kind: 'redirect',
      to: '/login?redirect=%2Fadmin%2Forgs%3Fkind%3Dunion',
    })
    expect(decide(route('/'), { me: null, active: null })).toEqual({ kind: 'redirect', to: '/login' })
    expect(decide(route('/choose-role'), { me: null, active: null })).toMatchObject({ kind: 'redirect' })
  })

  it('lets everyone see public pages', () => {
    expect(decide(route('/login', { public: true }), { me: null, active: null })).toEqual({ kind: 'allow' })
  })

  it('sends a logged-in user away from /login to their home or the redirect', () => {
    const op = grant('operator')
    const state = { me: me(op), active: op }
    expect(decide(route('/login', { public: true }), state)).toEqual({ kind: 'redirect', to: '/admin' })
    expect(decide(route('/login?redirect=%2Fadmin%2Faudit', { public: true }), state)).toEqual({ kind: 'redirect', to: '/admin/audit' })
    expect(decide(route('/login?redirect=%2F%2Fevil.example', { public: true }), state)).toEqual({ kind: 'redirect', to: '/admin' })
  })

  it('sends / to the home of the active role', () => {
    const m = grant('member', 'union')
    expect(decide(route('/'), { me: me(m), active: m })).toEqual({ kind: 'redirect', to: '/m' })
  })

  it('allows the right role', () => {
    const op = grant('operator')
    expect(decide(route('/admin/orgs', adminMeta), { me: me(op), active: op })).toEqual({ kind: 'allow' })
  })

  it('sends a wrong role to its own home', () => {
    const m = grant('member', 'union')
    expect(decide(route('/admin/audit', adminMeta), { me: me(m), active: m })).toEqual({ kind: 'redirect', to: '/m' })
    const b = grant('buyer', 'budget_unit')
    expect(decide(route('/m/cart', memberMeta), { me: me(b), active: b })).toEqual({ kind: 'redirect', to: '/unit' })
  })

  it('switches role when the user holds one that fits the link', () => {
    const b = grant('buyer', 'budget_unit')
    const m = grant('member', 'union')
    expect(decide(route('/m', memberMeta), { me: me(b, m), active: b })).toEqual({ kind: 'switch', grant: m })
  })

  it('asks a multi-role user without a choice to pick one first', () => {
    const b = grant('buyer', 'budget_unit')
    const m = grant('member', 'union')
    expect(decide(route('/m', memberMeta), { me: me(b, m), active: null })).toEqual({
      kind: 'redirect',
      to: '/choose-role?redirect=%2Fm',
    })
    expect(decide(route('/'), { me: me(b, m), active: null })).toEqual({ kind: 'redirect', to: '/choose-role' })
    // the picker itself needs no role
    expect(decide(route('/choose-role'), { me: me(b, m), active: null })).toEqual({ kind: 'allow' })
  })

  it('lands after login on the redirect, the home, or the picker', () => {
    const op = grant('operator')
    expect(landingFor({ me: me(op), active: op })).toBe('/admin')
    expect(landingFor({ me: me(op), active: op }, '/admin/audit')).toBe('/admin/audit')
    expect(landingFor({ me: me(op, grant('member', 'union')), active: null }, '/m')).toBe('/choose-role?redirect=%2Fm')
  })
})
