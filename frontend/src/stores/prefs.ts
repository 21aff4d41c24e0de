// Per-browser preferences: language and 关怀版 (care mode). Persisted in localStorage and
// reflected on <html> (lang attribute, `care-mode` class) so that CSS and assistive tools see them.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { DEFAULT_LOCALE, i18n, isLocale, type Locale } from '@/i18n'

export const LOCALE_KEY = 'bangfu.locale'
export const CARE_MODE_KEY = 'bangfu.careMode'
export const CARE_MODE_CLASS = 'care-mode'

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null // storage disabled (privacy mode, sandboxed frame)
  }
}

export function readStoredLocale(): Locale {
  const v = storage()?.getItem(LOCALE_KEY)
  return isLocale(v) ? v : DEFAULT_LOCALE
}

export function readStoredCareMode(): boolean {
  return storage()?.getItem(CARE_MODE_KEY) === '1'
}

export function applyLocale(locale: Locale, doc: Document | undefined = globalThis.document): void {
  i18n.global.locale.value = locale
  if (doc) {
    doc.documentElement.lang = locale
    doc.title = i18n.global.t('app.title')
  }
}

export function applyCareMode(on: boolean, doc: Document | undefined = globalThis.document): void {
  doc?.documentElement.classList.toggle(CARE_MODE_CLASS, on)
}

export const usePrefsStore = defineStore('prefs', () => {
  const locale = ref<Locale>(readStoredLocale())
  const careMode = ref<boolean>(readStoredCareMode())
  applyLocale(locale.value)
  applyCareMode(careMode.value)

  function setLocale(next: Locale): void {
    locale.value = next
    storage()?.setItem(LOCALE_KEY, next)
    applyLocale(next)
  }

  function setCareMode(on: boolean): void {
    careMode.value = on
    storage()?.setItem(CARE_MODE_KEY, on ? '1' : '0')
    applyCareMode(on)
  }

  return { locale, careMode, setLocale, setCareMode }
})
