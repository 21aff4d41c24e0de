// Run-time lists of the API's enums (for selects, filters and validating URL parameters).
// Each is checked against the generated type both ways: `satisfies` rejects a value the API
// does not know, and `Exhaustive` fails to compile when the API gains one that is missing here.
import type {
  CertKind,
  CertStatus,
  DocumentKind,
  ProductStatus,
  Programme,
  SortBy,
  Storage,
  SupplierStatus,
  ZoneRule,
} from '@/api/types'

type Exhaustive<All, Listed extends All> = [Exclude<All, Listed>] extends [never] ? true : ['missing', Exclude<All, Listed>]
const exhaustive = <T extends true>(_: T) => undefined

export const CERT_KINDS = [
  'assistance_product',
  'zhenpin',
  'green_food',
  'organic',
  'geo_indication',
  'compliance_certificate',
  'supply_base',
] as const satisfies readonly CertKind[]
exhaustive<Exhaustive<CertKind, (typeof CERT_KINDS)[number]>>(true)

export const PROGRAMMES = ['east_west', 'old_revolutionary', 'in_province'] as const satisfies readonly Programme[]
exhaustive<Exhaustive<Programme, (typeof PROGRAMMES)[number]>>(true)

export const SORTS = ['relevance', 'sales', 'newest', 'price_asc', 'price_desc'] as const satisfies readonly SortBy[]
exhaustive<Exhaustive<SortBy, (typeof SORTS)[number]>>(true)

export const STORAGES = ['ambient', 'chilled', 'frozen'] as const satisfies readonly Storage[]
exhaustive<Exhaustive<Storage, (typeof STORAGES)[number]>>(true)

export const PRODUCT_STATUSES = ['draft', 'pending_review', 'listed', 'rejected', 'delisted'] as const satisfies readonly ProductStatus[]
exhaustive<Exhaustive<ProductStatus, (typeof PRODUCT_STATUSES)[number]>>(true)

export const SUPPLIER_STATUSES = ['draft', 'submitted', 'recommended', 'approved', 'rejected', 'suspended'] as const satisfies readonly SupplierStatus[]
exhaustive<Exhaustive<SupplierStatus, (typeof SUPPLIER_STATUSES)[number]>>(true)

export const CERT_STATUSES = ['pending', 'verified', 'rejected', 'expired'] as const satisfies readonly CertStatus[]
exhaustive<Exhaustive<CertStatus, (typeof CERT_STATUSES)[number]>>(true)

export const DOCUMENT_KINDS = [
  'business_licence',
  'food_licence',
  'farmer_evidence',
  'certificate_scan',
  'test_report',
  'other',
] as const satisfies readonly DocumentKind[]
exhaustive<Exhaustive<DocumentKind, (typeof DOCUMENT_KINDS)[number]>>(true)

export const ZONE_RULES = ['region', 'programme', 'certificate'] as const satisfies readonly ZoneRule[]
exhaustive<Exhaustive<ZoneRule, (typeof ZONE_RULES)[number]>>(true)

export function isOneOf<T extends string>(list: readonly T[], v: unknown): v is T {
  return typeof v === 'string' && (list as readonly string[]).includes(v)
}

type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger'

/** Tag colours (Element Plus `type`) of the review states. */
export const PRODUCT_STATUS_TAG: Record<ProductStatus, TagType> = {
  draft: 'info',
  pending_review: 'warning',
  listed: 'success',
  rejected: 'danger',
  delisted: 'info',
}
export const SUPPLIER_STATUS_TAG: Record<SupplierStatus, TagType> = {
  draft: 'info',
  submitted: 'warning',
  recommended: 'primary',
  approved: 'success',
  rejected: 'danger',
  suspended: 'danger',
}
export const CERT_STATUS_TAG: Record<CertStatus, TagType> = {
  pending: 'warning',
  verified: 'success',
  rejected: 'danger',
  expired: 'info',
}
