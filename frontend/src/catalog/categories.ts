// The category tree (two levels): lookups for the shop and the product editor. Pure.
import type { Category } from '@/api/types'

export interface CategoryHit {
  category: Category
  parent: Category | null
}

export function findCategory(tree: readonly Category[], id: number | null | undefined): CategoryHit | null {
  if (id == null) return null
  for (const top of tree) {
    if (top.id === id) return { category: top, parent: null }
    for (const child of top.children) {
      if (child.id === id) return { category: child, parent: top }
      const deeper = findCategory(child.children, id)
      if (deeper) return deeper
    }
  }
  return null
}

/** A product must sit in a second-level category (a leaf under a top-level one). */
export function isProductCategory(tree: readonly Category[], id: number | null | undefined): boolean {
  const hit = findCategory(tree, id)
  return !!hit && hit.parent !== null && hit.category.children.length === 0
}

/** [top id, child id] for the editor's cascader; [] when unknown. */
export function cascaderPath(tree: readonly Category[], id: number | null | undefined): number[] {
  const hit = findCategory(tree, id)
  if (!hit) return []
  return hit.parent ? [hit.parent.id, hit.category.id] : [hit.category.id]
}

export function categoryName(c: Pick<Category, 'name' | 'name_en'>, locale: string): string {
  return locale === 'en' ? c.name_en : c.name
}
