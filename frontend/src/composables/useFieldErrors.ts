import { computed, shallowRef } from 'vue'
import { useI18n } from 'vue-i18n'
import { fieldErrorsOf, localizeServerText, toApiError, type ApiError, type FieldError } from '@/api/errors'

/**
 * The outcome of a form submission: the error (for an alert) and its field errors (shown next
 * to the fields, by the API's field names such as `skus[0].price_fen`). Library-neutral.
 */
export function useFieldErrors() {
  const { locale } = useI18n()
  const error = shallowRef<ApiError | null>(null)
  const fields = shallowRef<Record<string, FieldError[]>>({})

  /** Records a failure; true when it carried field errors. */
  function set(e: unknown): boolean {
    error.value = toApiError(e)
    fields.value = fieldErrorsOf(e)
    return Object.keys(fields.value).length > 0
  }

  function clear(): void {
    error.value = null
    fields.value = {}
  }

  /** Local (client-side) field errors, shown like the server's. */
  function setLocal(local: Record<string, string>): void {
    const next: Record<string, FieldError[]> = {}
    for (const [f, message] of Object.entries(local)) next[f] = [{ code: 'local', message }]
    fields.value = next
  }

  /** The first message for a field, in the current language ('' when none). */
  function msg(field: string): string {
    const first = fields.value[field]?.[0]
    return first ? localizeServerText(first.message, locale.value) || first.code : ''
  }

  /** Whether some field under a prefix (e.g. `skus[0]`) has an error. */
  function hasUnder(prefix: string): boolean {
    return Object.keys(fields.value).some((f) => f === prefix || f.startsWith(prefix + '.') || f.startsWith(prefix + '['))
  }

  /** Messages of fields that the form does not show anywhere (listed under the alert). */
  function others(shown: (field: string) => boolean): string[] {
    return Object.keys(fields.value)
      .filter((f) => !shown(f))
      .map((f) => `${f}: ${msg(f)}`)
  }

  const hasFields = computed(() => Object.keys(fields.value).length > 0)

  return { error, fields, hasFields, set, setLocal, clear, msg, hasUnder, others }
}
