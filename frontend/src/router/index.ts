import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import type { Role } from '@/api/types'
import { useSessionStore } from '@/stores/session'
import { decide } from './guard'
import { AREA_ROLES } from './roles'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    roles?: readonly Role[]
    /** i18n key of the page title. */
    title?: string
  }
}

// Layouts and pages are lazy: the member shop (Vant) and the back offices (Element Plus) end
// up in separate chunks, and nobody downloads the other side's library.
const BackOffice = () => import('@/layouts/BackOfficeLayout.vue')

const routes: RouteRecordRaw[] = [
  { path: '/', name: 'root', component: () => import('@/pages/RootRedirect.vue') },
  { path: '/login', name: 'login', component: () => import('@/pages/LoginPage.vue'), meta: { public: true, title: 'login.title' } },
  { path: '/choose-role', name: 'choose-role', component: () => import('@/pages/RolePickerPage.vue'), meta: { title: 'rolePicker.title' } },
  {
    path: '/m',
    component: () => import('@/layouts/MemberLayout.vue'),
    meta: { roles: AREA_ROLES.member },
    children: [
      { path: '', name: 'member-home', component: () => import('@/pages/member/MemberHome.vue'), meta: { title: 'member.tabs.home' } },
      { path: 'coupons', name: 'member-coupons', component: () => import('@/pages/member/MemberCoupons.vue'), meta: { title: 'member.tabs.coupons' } },
      { path: 'cart', name: 'member-cart', component: () => import('@/pages/member/MemberCart.vue'), meta: { title: 'member.tabs.cart' } },
      { path: 'mine', name: 'member-mine', component: () => import('@/pages/member/MemberMine.vue'), meta: { title: 'member.tabs.mine' } },
    ],
  },
  {
    path: '/admin',
    component: BackOffice,
    meta: { roles: AREA_ROLES.admin },
    children: [
      { path: '', name: 'admin-home', component: () => import('@/pages/admin/AdminHome.vue'), meta: { title: 'home.operator' } },
      { path: 'orgs', name: 'admin-orgs', component: () => import('@/pages/admin/OrgsPage.vue'), meta: { title: 'nav.orgs' } },
      { path: 'orgs/:id(\\d+)/members', name: 'admin-org-members', component: () => import('@/pages/admin/OrgMembersPage.vue'), props: true, meta: { title: 'orgs.members' } },
      { path: 'regions', name: 'admin-regions', component: () => import('@/pages/RegionsPage.vue'), meta: { title: 'nav.regions' } },
      { path: 'audit', name: 'admin-audit', component: () => import('@/pages/admin/AuditPage.vue'), meta: { title: 'nav.audit' } },
    ],
  },
  {
    path: '/union',
    component: BackOffice,
    meta: { roles: AREA_ROLES.union },
    children: [{ path: '', name: 'union-home', component: () => import('@/pages/union/UnionHome.vue'), meta: { title: 'nav.unionOverview' } }],
  },
  {
    path: '/unit',
    component: BackOffice,
    meta: { roles: AREA_ROLES.unit },
    children: [{ path: '', name: 'unit-home', component: () => import('@/pages/unit/UnitHome.vue'), meta: { title: 'nav.unitOverview' } }],
  },
  {
    path: '/supplier',
    component: BackOffice,
    meta: { roles: AREA_ROLES.supplier },
    children: [{ path: '', name: 'supplier-home', component: () => import('@/pages/supplier/SupplierHome.vue'), meta: { title: 'nav.supplierOverview' } }],
  },
  {
    path: '/regulator',
    component: BackOffice,
    meta: { roles: AREA_ROLES.regulator },
    children: [
      { path: '', name: 'regulator-home', component: () => import('@/pages/regulator/RegulatorHome.vue'), meta: { title: 'nav.regulatorOverview' } },
      { path: 'regions', name: 'regulator-regions', component: () => import('@/pages/RegionsPage.vue'), meta: { title: 'nav.regions' } },
    ],
  },
  {
    path: '/district',
    component: BackOffice,
    meta: { roles: AREA_ROLES.district },
    children: [
      { path: '', name: 'district-home', component: () => import('@/pages/district/DistrictHome.vue'), meta: { title: 'nav.districtOverview' } },
      { path: 'regions', name: 'district-regions', component: () => import('@/pages/RegionsPage.vue'), meta: { title: 'nav.regions' } },
    ],
  },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('@/pages/NotFoundPage.vue'), meta: { public: true } },
]

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
})

router.beforeEach(async (to) => {
  const session = useSessionStore()
  if (!session.loaded) await session.init()
  // Child routes inherit the area's roles (meta is merged from parent to child).
  const decision = decide(to, { me: session.me, active: session.active })
  switch (decision.kind) {
    case 'allow':
      return true
    case 'switch':
      session.choose(decision.grant)
      return true
    case 'redirect':
      return decision.to
  }
})
