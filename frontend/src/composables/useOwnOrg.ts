import { ref, shallowRef, watch, type Ref } from 'vue'
import { api, unwrap } from '@/api/client'
import { toApiError, type ApiError } from '@/api/errors'
import type { Org, OrgPage, RoleGrant } from '@/api/types'

/**
 * Full record of the active role's organisation. GET /api/orgs returns a non-operator's own
 * organisations only, so one page filtered by kind normally holds it.
 */
export function useOwnOrg(grant: Ref<RoleGrant | null>) {
  const org = shallowRef<Org | null>(null)
  const loading = ref(false)
  const error = shallowRef<ApiError | null>(null)

  async function load(g: RoleGrant | null): Promise<void> {
    org.value = null
    error.value = null
    if (!g) return
    loading.value = true
    try {
      let cursor: string | null = null
      for (let i = 0; i < 10; i++) {
        const page: OrgPage = await unwrap(
          api.GET('/api/orgs', { params: { query: { kind: g.org.kind, limit: 200, ...(cursor ? { cursor } : {}) } } }),
        )
        const found = page.items.find((o) => o.id === g.org.id)
        if (found) {
          org.value = found
          return
        }
        cursor = page.next_cursor
        if (!cursor) return
      }
    } catch (e) {
      error.value = toApiError(e)
    } finally {
      loading.value = false
    }
  }

  watch(grant, (g) => void load(g), { immediate: true })
  return { org, loading, error, reload: () => load(grant.value) }
}
