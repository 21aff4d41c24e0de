import { describe, expect, it } from 'vitest'
import {
  EMPTY_FILTERS,
  activeFilterCount,
  buildProductQuery,
  effectiveSort,
  filtersFromRoute,
  filtersKey,
  filtersToRoute,
  parentRegion,
  priceRangeProblem,
  resetFilters,
  toggleFacet,
  type ShopFilters,
} from '@/catalog/filters'

const f = (over: Partial<ShopFilters> = {}): ShopFilters => ({ ...EMPTY_FILTERS, ...over })

describe('buildProductQuery', () => {
  it('sends only what is set, plus the page size', () => {
    expect(buildProductQuery(f())).toEqual({ limit: 20 })
    expect(buildProductQuery(f({ q: '  蜂蜜 ' }), { cursor: 'abc', limit: 10 })).toEqual({ q: '蜂蜜', cursor: 'abc', limit: 10 })
  })

  it('maps every filter to its API parameter (prices in fen)', () => {
    const all = f({
      q: '芒果',
      category: 10,
      region: '451000',
      programme: 'east_west',
      cert: 'zhenpin',
      zone: 'baise',
      minPrice: 1000,
      maxPrice: 5000,
      inStock: true,
      sort: 'price_asc',
    })
    expect(buildProductQuery(all)).toEqual({
      q: '芒果',
      category: 10,
      region: '451000',
      programme: 'east_west',
      cert: 'zhenpin',
      zone: 'baise',
      min_price: 1000,
      max_price: 5000,
      in_stock: true,
      sort: 'price_asc',
      limit: 20,
    })
  })

  it('keeps a zero price bound and category 0 is not confused with none', () => {
    expect(buildProductQuery(f({ minPrice: 0 }))).toEqual({ min_price: 0, limit: 20 })
  })

  it('gives equal searches equal keys', () => {
    expect(filtersKey(f({ q: 'a ' }))).toBe(filtersKey(f({ q: ' a' })))
    expect(filtersKey(f({ q: 'a' }))).not.toBe(filtersKey(f({ q: 'a', inStock: true })))
  })
})

describe('route query', () => {
  it('round-trips through the URL', () => {
    const all = f({ q: '蜂蜜', category: 36, region: '450124', programme: 'in_province', cert: 'organic', minPrice: 0, maxPrice: 9900, inStock: true, sort: 'newest' })
    const route = filtersToRoute(all)
    expect(route).toEqual({
      q: '蜂蜜',
      category: '36',
      region: '450124',
      programme: 'in_province',
      cert: 'organic',
      min_price: '0',
      max_price: '9900',
      in_stock: '1',
      sort: 'newest',
    })
    expect(filtersFromRoute(route)).toEqual(all)
  })

  it('ignores nonsense instead of sending it to the server', () => {
    expect(
      filtersFromRoute({ category: 'x', region: '45', programme: 'nope', cert: 'fake', min_price: '-5', max_price: '1.5', sort: 'cheapest', zone: 'A B', in_stock: 'maybe' }),
    ).toEqual(f())
  })

  it('takes the first of repeated parameters', () => {
    expect(filtersFromRoute({ q: ['a', 'b'], category: ['3', null] })).toEqual(f({ q: 'a', category: 3 }))
  })
})

describe('facets', () => {
  it('drills into a category or region and clears it when chosen again', () => {
    const one = toggleFacet(f(), 'category', '10')
    expect(one.category).toBe(10)
    expect(toggleFacet(one, 'category', '12').category).toBe(12)
    expect(toggleFacet(one, 'category', '10').category).toBeNull()
    expect(toggleFacet(f(), 'region', '450000').region).toBe('450000')
    expect(toggleFacet(f({ region: '450000' }), 'region', '450000').region).toBeNull()
  })

  it('toggles certificate and programme, refusing unknown values', () => {
    expect(toggleFacet(f(), 'cert', 'zhenpin').cert).toBe('zhenpin')
    expect(toggleFacet(f({ cert: 'zhenpin' }), 'cert', 'zhenpin').cert).toBeNull()
    expect(toggleFacet(f(), 'cert', 'bogus').cert).toBeNull()
    expect(toggleFacet(f(), 'programme', 'old_revolutionary').programme).toBe('old_revolutionary')
  })

  it('does not mutate its input', () => {
    const before = f()
    toggleFacet(before, 'category', '1')
    expect(before).toEqual(f())
  })

  it('counts active filters for the badge and resets them, keeping text, order and zone', () => {
    const all = f({ q: 'x', sort: 'sales', zone: 'baise', category: 1, region: '450000', cert: 'zhenpin', programme: 'east_west', minPrice: 1, inStock: true })
    expect(activeFilterCount(all)).toBe(6)
    expect(activeFilterCount(f({ minPrice: 1, maxPrice: 2 }))).toBe(1)
    expect(resetFilters(all)).toEqual(f({ q: 'x', sort: 'sales', zone: 'baise' }))
  })
})

describe('helpers', () => {
  it('defaults the order like the server', () => {
    expect(effectiveSort(f())).toBe('sales')
    expect(effectiveSort(f({ q: '茶' }))).toBe('relevance')
    expect(effectiveSort(f({ q: '茶', sort: 'newest' }))).toBe('newest')
  })

  it('checks the price range', () => {
    expect(priceRangeProblem(500, 100)).toBe('min_above_max')
    expect(priceRangeProblem(100, 100)).toBeNull()
    expect(priceRangeProblem(null, 100)).toBeNull()
  })

  it('finds the parent of a region code', () => {
    expect(parentRegion('451003')).toBe('451000')
    expect(parentRegion('451000')).toBe('450000')
    expect(parentRegion('450000')).toBeNull()
    expect(parentRegion('x')).toBeNull()
  })
})
