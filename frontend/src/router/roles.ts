// Which area of the app each role uses. Pure data and functions: the router guard and the
// unit tests use them.
import type { Me, Role, RoleGrant } from '@/api/types'

export const ALL_ROLES = [
  'operator',
  'union_admin',
  'member',
  'unit_admin',
  'buyer',
  'approver',
  'supplier_admin',
  'supplier_staff',
  'regulator',
  'district_officer',
] as const satisfies readonly Role[]

/** Home path of each role. Several roles share an area (unit, supplier). */
export const ROLE_HOME: Record<Role, string> = {
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
}

export function homeFor(role: Role): string {
  return ROLE_HOME[role]
}

/** Roles allowed in each area; the router copies these into route meta. */
export const AREA_ROLES = {
  member: ['member'],
  admin: ['operator'],
  union: ['union_admin'],
  unit: ['unit_admin', 'buyer', 'approver'],
  supplier: ['supplier_admin', 'supplier_staff'],
  regulator: ['regulator'],
  district: ['district_officer'],
} as const satisfies Record<string, readonly Role[]>

export interface NavItem {
  to: string
  label: string // i18n key
  icon: 'home' | 'org' | 'map' | 'audit' | 'form' | 'cert' | 'goods' | 'bell' | 'supplier' | 'zone' | 'people' | 'coupon' | 'money' | 'ship' | 'refund'
}

/** Sections of the back office a role may use. */
export function navFor(role: Role): NavItem[] {
  switch (role) {
    case 'operator':
      return [
        { to: '/admin', label: 'nav.home', icon: 'home' },
        { to: '/admin/orgs', label: 'nav.orgs', icon: 'org' },
        { to: '/admin/regions', label: 'nav.regions', icon: 'map' },
        { to: '/admin/review/suppliers', label: 'nav.reviewSuppliers', icon: 'supplier' },
        { to: '/admin/review/certificates', label: 'nav.reviewCertificates', icon: 'cert' },
        { to: '/admin/review/products', label: 'nav.reviewProducts', icon: 'goods' },
        { to: '/admin/zones', label: 'nav.zones', icon: 'zone' },
        { to: '/admin/settlements', label: 'nav.settlementReview', icon: 'money' },
        { to: '/admin/audit', label: 'nav.audit', icon: 'audit' },
      ]
    case 'union_admin':
      return [
        { to: '/union', label: 'nav.unionOverview', icon: 'home' },
        { to: '/union/roster', label: 'nav.unionRoster', icon: 'people' },
        { to: '/union/campaigns', label: 'nav.unionCampaigns', icon: 'coupon' },
      ]
    case 'unit_admin':
    case 'buyer':
      return [
        { to: '/unit', label: 'nav.unitOverview', icon: 'home' },
        { to: '/unit/bulk-order', label: 'proc.nav.bulkOrder', icon: 'form' },
        { to: '/unit/orders', label: 'proc.nav.orders', icon: 'ship' },
        { to: '/unit/lists', label: 'proc.nav.lists', icon: 'goods' },
        { to: '/unit/rfqs', label: 'proc.nav.rfqs', icon: 'coupon' },
        { to: '/unit/filings', label: 'proc.nav.filings', icon: 'money' },
        { to: '/unit/settings', label: 'proc.nav.settings', icon: 'audit' },
      ]
    case 'approver':
      return [
        { to: '/unit', label: 'nav.unitOverview', icon: 'home' },
        { to: '/unit/orders', label: 'proc.nav.orders', icon: 'ship' },
        { to: '/unit/settings', label: 'proc.nav.settings', icon: 'audit' },
      ]
    case 'supplier_admin':
    case 'supplier_staff':
      return [
        { to: '/supplier', label: 'nav.supplierOverview', icon: 'home' },
        { to: '/supplier/application', label: 'nav.supplierApplication', icon: 'form' },
        { to: '/supplier/certificates', label: 'nav.supplierCertificates', icon: 'cert' },
        { to: '/supplier/products', label: 'nav.supplierProducts', icon: 'goods' },
        { to: '/supplier/orders', label: 'nav.supplierOrders', icon: 'ship' },
        { to: '/supplier/proc-orders', label: 'proc.nav.supplierOrders', icon: 'audit' },
        { to: '/supplier/rfqs', label: 'proc.nav.supplierRfqs', icon: 'form' },
        { to: '/supplier/refunds', label: 'nav.supplierRefunds', icon: 'refund' },
        { to: '/supplier/settlements', label: 'nav.supplierSettlements', icon: 'money' },
        { to: '/supplier/notifications', label: 'nav.supplierNotifications', icon: 'bell' },
      ]
    case 'regulator':
      return [
        { to: '/regulator', label: 'nav.regulatorOverview', icon: 'home' },
        { to: '/regulator/regions', label: 'nav.regions', icon: 'map' },
        { to: '/regulator/share', label: 'report.nav', icon: 'audit' },
      ]
    case 'district_officer':
      return [
        { to: '/district', label: 'nav.districtOverview', icon: 'home' },
        { to: '/district/regions', label: 'nav.regions', icon: 'map' },
      ]
    case 'member':
      return []
  }
}

export function sameGrant(a: RoleGrant | null | undefined, b: RoleGrant | null | undefined): boolean {
  return !!a && !!b && a.role === b.role && a.org.id === b.org.id
}

/** What is remembered about the chosen role: enough to find the grant again. */
export interface RememberedGrant {
  role: string
  orgId: number
}

/**
 * The grant to use after login or reload: the only one, or the remembered one if the user still
 * holds it; null means the user must choose (or has no role at all).
 */
export function pickInitialGrant(me: Me, remembered: RememberedGrant | null): RoleGrant | null {
  if (me.roles.length === 1) return me.roles[0] ?? null
  if (remembered) {
    const found = me.roles.find((g) => g.role === remembered.role && g.org.id === remembered.orgId)
    if (found) return found
  }
  return null
}

/** Only same-site paths may be redirect targets (no //host or scheme URLs). */
export function safeRedirect(value: unknown): string | null {
  if (typeof value !== 'string') return null
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null
  return value
}
