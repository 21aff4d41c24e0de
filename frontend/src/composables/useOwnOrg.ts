import { ref, shallowRef, watch, type Ref } from 'vue'
import { api, unwrap } from '@/api/client'
import { toApiError, type ApiError } from '@/api/errors'
import type { Org, RoleGrant } from '@/api/types'

/** Full record of the active role's organisation (GET /api/orgs/{id}). */
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
      org.value = await unwrap(api.GET('/api/orgs/{id}', { params: { path: { id: g.org.id } } }))
    } catch (e) {
      error.value = toApiError(e)
    } finally {
      loading.value = false
    }
  }

  watch(grant, (g) => void load(g), { immediate: true })
  return { org, loading, error, reload: () => load(grant.value) }
}
