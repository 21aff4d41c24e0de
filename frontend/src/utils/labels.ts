// Labels of the server's codes (statuses, categories, audit actions and object types, roster
// fields): a clerk never sees a raw snake_case or dotted code. A code without a label (a newer
// server) falls back to the code itself rather than to an empty cell.
import type { Composer } from 'vue-i18n'

type Translator = Pick<Composer, 't' | 'te'>

/** The label of `code` under the message group `group` (e.g. `orgStatuses`), or the code. */
export function codeLabel(i18n: Translator, group: string, code: string | null | undefined): string {
  if (code == null || code === '') return '—'
  const key = `${group}.${code}`
  return i18n.te(key) ? i18n.t(key) : code
}
