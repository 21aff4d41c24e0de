import { ref } from 'vue'

/**
 * A page's own title for the layout's bar (a product's name, a zone's name) instead of the
 * route's generic one. The shop layout clears it on every navigation.
 */
export const pageTitle = ref<string | null>(null)

export function setPageTitle(title: string | null): void {
  pageTitle.value = title
  if (title && typeof document !== 'undefined') document.title = title
}
