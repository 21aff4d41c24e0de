// The shop's search state: what the URL says (so a search can be shared, reloaded and gone
// back to), what GET /api/products is asked, and how choosing a facet changes it. Pure.
import type { CertKind, ProductQuery, Programme, SortBy } from '@/api/types'
import { CERT_KINDS, PROGRAMMES, SORTS, isOneOf } from './enums'

export interface ShopFilters {
  q: string
  /** Category id (a top-level one includes its children). */
  category: number | null
  /** Region code: province, city or county. */
  region: string | null
  programme: Programme | null
  cert: CertKind | null
  zone: string | null
  /** Price bounds in fen. */
  minPrice: number | null
  maxPrice: number | null
  inStock: boolean
  /** null: the server's default (relevance with a text, sales without). */
  sort: SortBy | null
}

export const EMPTY_FILTERS: Readonly<ShopFilters> = Object.freeze({
  q: '',
  category: null,
  region: null,
  programme: null,
  cert: null,
  zone: null,
  minPrice: null,
  maxPrice: null,
  inStock: false,
  sort: null,
})

export const DEFAULT_PAGE_SIZE = 20

/** The query for GET /api/products: only what is set, so equal searches share the server's cache. */
export function buildProductQuery(f: ShopFilters, page: { cursor?: string | null; limit?: number } = {}): ProductQuery {
  const q: ProductQuery = {}
  const text = f.q.trim()
  if (text) q.q = text
  if (f.category != null) q.category = f.category
  if (f.region) q.region = f.region
  if (f.programme) q.programme = f.programme
  if (f.cert) q.cert = f.cert
  if (f.zone) q.zone = f.zone
  if (f.minPrice != null) q.min_price = f.minPrice
  if (f.maxPrice != null) q.max_price = f.maxPrice
  if (f.inStock) q.in_stock = true
  if (f.sort) q.sort = f.sort
  if (page.cursor) q.cursor = page.cursor
  q.limit = page.limit ?? DEFAULT_PAGE_SIZE
  return q
}

/** A stable key of the filters, to notice a change (and to drop stale pages). */
export function filtersKey(f: ShopFilters): string {
  return JSON.stringify(buildProductQuery(f))
}

type RouteQueryValue = string | null | undefined | (string | null)[]

function first(v: RouteQueryValue): string | undefined {
  const x = Array.isArray(v) ? v[0] : v
  return x == null ? undefined : x
}

function nonNegativeInt(v: string | undefined): number | null {
  return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : null
}

/** Reads the filters from a route query, ignoring values that make no sense. */
export function filtersFromRoute(query: Record<string, RouteQueryValue>): ShopFilters {
  const region = first(query.region)
  const zone = first(query.zone)
  return {
    q: first(query.q)?.slice(0, 100) ?? '',
    category: nonNegativeInt(first(query.category)),
    region: region && /^\d{6}$/.test(region) ? region : null,
    programme: isOneOf(PROGRAMMES, first(query.programme)) ? (first(query.programme) as Programme) : null,
    cert: isOneOf(CERT_KINDS, first(query.cert)) ? (first(query.cert) as CertKind) : null,
    zone: zone && /^[a-z0-9-]{1,40}$/.test(zone) ? zone : null,
    minPrice: nonNegativeInt(first(query.min_price)),
    maxPrice: nonNegativeInt(first(query.max_price)),
    inStock: first(query.in_stock) === '1' || first(query.in_stock) === 'true',
    sort: isOneOf(SORTS, first(query.sort)) ? (first(query.sort) as SortBy) : null,
  }
}

/** The route query for the filters (the same names as the API; prices in fen). */
export function filtersToRoute(f: ShopFilters): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(buildProductQuery(f))) {
    if (k === 'limit' || k === 'cursor') continue
    out[k] = k === 'in_stock' ? '1' : String(v)
  }
  return out
}

/** How many filters (besides the text and the order) are on: the badge of the filter button. */
export function activeFilterCount(f: ShopFilters): number {
  let n = 0
  if (f.category != null) n++
  if (f.region) n++
  if (f.programme) n++
  if (f.cert) n++
  if (f.minPrice != null || f.maxPrice != null) n++
  if (f.inStock) n++
  return n
}

export type FacetKind = 'category' | 'region' | 'cert' | 'programme'

/**
 * Chooses (or, chosen again, clears) a facet value. A category or region drills down: the
 * server then lists its children in the facet. Returns new filters; never mutates.
 */
export function toggleFacet(f: ShopFilters, kind: FacetKind, value: string): ShopFilters {
  switch (kind) {
    case 'category': {
      const id = nonNegativeInt(value)
      return { ...f, category: id === f.category ? null : id }
    }
    case 'region':
      return { ...f, region: value === f.region ? null : value }
    case 'cert':
      return { ...f, cert: isOneOf(CERT_KINDS, value) && value !== f.cert ? value : null }
    case 'programme':
      return { ...f, programme: isOneOf(PROGRAMMES, value) && value !== f.programme ? value : null }
  }
}

/** Everything cleared except the text and the order (the filter sheet's reset). */
export function resetFilters(f: ShopFilters): ShopFilters {
  return { ...EMPTY_FILTERS, q: f.q, sort: f.sort, zone: f.zone }
}

/** A text search starts from the best match; a list without text from the best sellers. */
export function effectiveSort(f: ShopFilters): SortBy {
  return f.sort ?? (f.q.trim() ? 'relevance' : 'sales')
}

/** The problem with a price range, if any: the lower bound above the upper. */
export function priceRangeProblem(min: number | null, max: number | null): 'min_above_max' | null {
  return min != null && max != null && min > max ? 'min_above_max' : null
}

/** The parent of a 6-digit region code (province 450000 <- city 451000 <- county 451003), or null for a province. */
export function parentRegion(code: string): string | null {
  if (!/^\d{6}$/.test(code)) return null
  if (code.endsWith('0000')) return null
  if (code.endsWith('00')) return code.slice(0, 2) + '0000'
  return code.slice(0, 4) + '00'
}
