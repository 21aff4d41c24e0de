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
const Shop = () => import('@/layouts/ShopLayout.vue')

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
      { path: 'wallet', name: 'member-wallet', component: () => import('@/pages/member/MemberWallet.vue'), meta: { title: 'wallet.title' } },
      { path: 'membership', name: 'member-membership', component: () => import('@/pages/member/MemberMembership.vue'), meta: { title: 'membership.title' } },
      { path: 'addresses', name: 'member-addresses', component: () => import('@/pages/member/MemberAddresses.vue'), meta: { title: 'addressBook.title' } },
      { path: 'checkout', name: 'member-checkout', component: () => import('@/pages/member/MemberCheckout.vue'), meta: { title: 'checkout.title' } },
      { path: 'pay/:id(\\d+)', name: 'member-payment', component: () => import('@/pages/member/MemberPayment.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'payment.title' } },
      { path: 'orders', name: 'member-orders', component: () => import('@/pages/member/MemberOrders.vue'), meta: { title: 'orders.title' } },
      { path: 'orders/:id(\\d+)', name: 'member-order', component: () => import('@/pages/member/MemberOrderDetail.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'orders.detail' } },
      { path: 'orders/:id(\\d+)/refund', name: 'member-refund', component: () => import('@/pages/member/MemberRefund.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'refunds.request' } },
    ],
  },
  // The shop and the traceability page are public (Vant, phone first): no login needed to browse.
  {
    path: '/shop',
    component: Shop,
    meta: { public: true },
    children: [
      { path: '', name: 'shop-home', component: () => import('@/pages/shop/ShopHome.vue'), meta: { public: true, title: 'shop.home' } },
      { path: 'search', name: 'shop-search', component: () => import('@/pages/shop/ShopSearch.vue'), meta: { public: true, title: 'shop.search' } },
      { path: 'categories', name: 'shop-categories', component: () => import('@/pages/shop/ShopCategories.vue'), meta: { public: true, title: 'shop.categories' } },
      { path: 'c/:id(\\d+)', name: 'shop-category', redirect: (to) => ({ name: 'shop-search', query: { category: String(to.params.id) } }) },
      { path: 'z/:slug', name: 'shop-zone', component: () => import('@/pages/shop/ShopZone.vue'), props: true, meta: { public: true, title: 'shop.zone' } },
      { path: 'p/:id(\\d+)', name: 'shop-product', component: () => import('@/pages/shop/ShopProduct.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { public: true, title: 'product.title' } },
    ],
  },
  {
    path: '/trace/:id(\\d+)',
    component: Shop,
    meta: { public: true },
    children: [
      { path: '', name: 'trace', component: () => import('@/pages/shop/TracePage.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { public: true, title: 'trace.title' } },
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
      { path: 'review/suppliers', name: 'admin-review-suppliers', component: () => import('@/pages/admin/ReviewSuppliersPage.vue'), meta: { title: 'nav.reviewSuppliers' } },
      { path: 'review/certificates', name: 'admin-review-certificates', component: () => import('@/pages/admin/ReviewCertificatesPage.vue'), meta: { title: 'nav.reviewCertificates' } },
      { path: 'review/products', name: 'admin-review-products', component: () => import('@/pages/admin/ReviewProductsPage.vue'), meta: { title: 'nav.reviewProducts' } },
      { path: 'zones', name: 'admin-zones', component: () => import('@/pages/admin/ZonesPage.vue'), meta: { title: 'nav.zones' } },
      { path: 'settlements', name: 'admin-settlements', component: () => import('@/pages/admin/SettlementReviewPage.vue'), meta: { title: 'nav.settlementReview' } },
      { path: 'audit', name: 'admin-audit', component: () => import('@/pages/admin/AuditPage.vue'), meta: { title: 'nav.audit' } },
    ],
  },
  {
    path: '/union',
    component: BackOffice,
    meta: { roles: AREA_ROLES.union },
    children: [
      { path: '', name: 'union-home', component: () => import('@/pages/union/UnionHome.vue'), meta: { title: 'nav.unionOverview' } },
      { path: 'roster', name: 'union-roster', component: () => import('@/pages/union/UnionRosterPage.vue'), meta: { title: 'nav.unionRoster' } },
      { path: 'roster/import', name: 'union-roster-import', component: () => import('@/pages/union/UnionRosterImportPage.vue'), meta: { title: 'roster.importTitle' } },
      { path: 'campaigns', name: 'union-campaigns', component: () => import('@/pages/union/UnionCampaignsPage.vue'), meta: { title: 'nav.unionCampaigns' } },
      { path: 'campaigns/new', name: 'union-campaign-new', component: () => import('@/pages/union/UnionCampaignEditorPage.vue'), meta: { title: 'campaigns.new' } },
      { path: 'campaigns/:id(\\d+)', name: 'union-campaign-edit', component: () => import('@/pages/union/UnionCampaignEditorPage.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'campaigns.edit' } },
      { path: 'campaigns/:id(\\d+)/monitor', name: 'union-campaign-monitor', component: () => import('@/pages/union/UnionCampaignMonitorPage.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'monitor.title' } },
      { path: 'campaigns/:id(\\d+)/settlements', name: 'union-campaign-settlements', component: () => import('@/pages/union/UnionSettlementsPage.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'settlements.title' } },
    ],
  },
  {
    path: '/unit',
    component: BackOffice,
    meta: { roles: AREA_ROLES.unit },
    children: [
      { path: '', name: 'unit-home', component: () => import('@/pages/unit/UnitHome.vue'), meta: { title: 'nav.unitOverview' } },
      { path: 'bulk-order', name: 'unit-bulk-order', component: () => import('@/pages/unit/BulkOrderPage.vue'), meta: { title: 'proc.nav.bulkOrder', roles: ['buyer', 'unit_admin'] } },
      { path: 'orders', name: 'unit-orders', component: () => import('@/pages/proc/ProcOrdersPage.vue'), meta: { title: 'proc.nav.orders' } },
      { path: 'orders/:id(\\d+)', name: 'unit-order', component: () => import('@/pages/proc/ProcOrderDetailPage.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'proc.detail.title' } },
      { path: 'filings', name: 'unit-filings', component: () => import('@/pages/unit/FilingsPage.vue'), meta: { title: 'proc.nav.filings' } },
      { path: 'settings', name: 'unit-settings', component: () => import('@/pages/unit/UnitSettingsPage.vue'), meta: { title: 'proc.nav.settings' } },
      { path: 'lists', name: 'unit-lists', component: () => import('@/pages/unit/SavedListsPage.vue'), meta: { title: 'proc.nav.lists' } },
      { path: 'rfqs', name: 'unit-rfqs', component: () => import('@/pages/proc/RfqListPage.vue'), meta: { title: 'proc.nav.rfqs' } },
      { path: 'rfqs/:id(\\d+)', name: 'unit-rfq', component: () => import('@/pages/proc/RfqDetailPage.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'proc.nav.rfqs' } },
    ],
  },
  {
    path: '/supplier',
    component: BackOffice,
    meta: { roles: AREA_ROLES.supplier },
    children: [
      { path: '', name: 'supplier-home', component: () => import('@/pages/supplier/SupplierHome.vue'), meta: { title: 'nav.supplierOverview' } },
      { path: 'application', name: 'supplier-application', component: () => import('@/pages/supplier/SupplierApplicationPage.vue'), meta: { title: 'nav.supplierApplication' } },
      { path: 'certificates', name: 'supplier-certificates', component: () => import('@/pages/supplier/SupplierCertificatesPage.vue'), meta: { title: 'nav.supplierCertificates' } },
      { path: 'products', name: 'supplier-products', component: () => import('@/pages/supplier/SupplierProductsPage.vue'), meta: { title: 'nav.supplierProducts' } },
      { path: 'products/new', name: 'supplier-product-new', component: () => import('@/pages/supplier/ProductEditorPage.vue'), meta: { title: 'supplier.editor.titleNew' } },
      { path: 'products/:id(\\d+)', name: 'supplier-product-edit', component: () => import('@/pages/supplier/ProductEditorPage.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'supplier.editor.titleEdit' } },
      { path: 'orders', name: 'supplier-orders', component: () => import('@/pages/supplier/SupplierOrdersPage.vue'), meta: { title: 'nav.supplierOrders' } },
      { path: 'proc-orders', name: 'supplier-proc-orders', component: () => import('@/pages/proc/ProcOrdersPage.vue'), meta: { title: 'proc.nav.supplierOrders' } },
      { path: 'proc-orders/:id(\\d+)', name: 'supplier-proc-order', component: () => import('@/pages/proc/ProcOrderDetailPage.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'proc.detail.title' } },
      { path: 'rfqs', name: 'supplier-rfqs', component: () => import('@/pages/proc/RfqListPage.vue'), meta: { title: 'proc.nav.supplierRfqs' } },
      { path: 'rfqs/:id(\\d+)', name: 'supplier-rfq', component: () => import('@/pages/proc/RfqDetailPage.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'proc.nav.supplierRfqs' } },
      { path: 'refunds', name: 'supplier-refunds', component: () => import('@/pages/supplier/SupplierRefundsPage.vue'), meta: { title: 'nav.supplierRefunds' } },
      { path: 'settlements', name: 'supplier-settlements', component: () => import('@/pages/supplier/SupplierSettlementsPage.vue'), meta: { title: 'nav.supplierSettlements' } },
      { path: 'notifications', name: 'supplier-notifications', component: () => import('@/pages/supplier/SupplierNotificationsPage.vue'), meta: { title: 'nav.supplierNotifications' } },
    ],
  },
  {
    path: '/regulator',
    component: BackOffice,
    meta: { roles: AREA_ROLES.regulator },
    children: [
      { path: '', name: 'regulator-home', component: () => import('@/pages/regulator/RegulatorHome.vue'), meta: { title: 'nav.regulatorOverview' } },
      { path: 'regions', name: 'regulator-regions', component: () => import('@/pages/RegionsPage.vue'), meta: { title: 'nav.regions' } },
      { path: 'share', name: 'regulator-share', component: () => import('@/pages/regulator/ShareReportPage.vue'), meta: { title: 'report.cityTitle' } },
      { path: 'units/:id(\\d+)', name: 'regulator-unit', component: () => import('@/pages/regulator/ShareUnitPage.vue'), props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'report.unitTitle' } },
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
