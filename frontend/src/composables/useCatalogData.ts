// Data most catalogue pages share, fetched once per page load: the category tree and the zones.
// Library-neutral.
import { shallowRef } from 'vue'
import { api, unwrap } from '@/api/client'
import type { Category, Zone } from '@/api/types'

const categories = shallowRef<Category[] | null>(null)
let categoriesLoad: Promise<Category[]> | null = null

/** GET /api/categories, cached; a failure is retried on the next call. */
export function loadCategories(): Promise<Category[]> {
  if (categories.value) return Promise.resolve(categories.value)
  categoriesLoad ??= unwrap(api.GET('/api/categories')).then(
    (tree) => (categories.value = tree.items),
    (e) => {
      categoriesLoad = null
      throw e
    },
  )
  return categoriesLoad
}

export function useCategories() {
  void loadCategories().catch(() => undefined)
  return categories
}

/** GET /api/zones (operators also get inactive zones: the shop filters them). */
export async function loadZones(): Promise<Zone[]> {
  const list = await unwrap(api.GET('/api/zones'))
  return list.items
}
