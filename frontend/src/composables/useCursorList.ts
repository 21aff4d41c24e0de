import { ref, shallowRef, type Ref } from 'vue'
import { toApiError, type ApiError } from '@/api/errors'

export interface Page<T> {
  items: T[]
  next_cursor?: string | null
}

/**
 * A list fetched page by page with the backend's opaque `next_cursor`. `reload()` starts over
 * (after a filter change); answers to superseded requests are dropped.
 */
export function useCursorList<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>) {
  const items = shallowRef<T[]>([]) as Ref<T[]>
  const nextCursor = ref<string | null>(null)
  const loading = ref(false)
  const error = shallowRef<ApiError | null>(null)
  let generation = 0

  async function run(cursor: string | null, append: boolean): Promise<void> {
    const mine = ++generation
    loading.value = true
    error.value = null
    try {
      const page = await fetchPage(cursor)
      if (mine !== generation) return
      items.value = append ? [...items.value, ...page.items] : page.items
      nextCursor.value = page.next_cursor ?? null
    } catch (e) {
      if (mine !== generation) return
      error.value = toApiError(e)
      if (!append) items.value = []
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  const reload = () => run(null, false)
  const loadMore = () => (nextCursor.value ? run(nextCursor.value, true) : Promise.resolve())

  return { items, nextCursor, loading, error, reload, loadMore }
}
