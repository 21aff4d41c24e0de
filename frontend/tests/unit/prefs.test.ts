import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { i18n } from '@/i18n'
import { CARE_MODE_KEY, LOCALE_KEY, usePrefsStore } from '@/stores/prefs'

const html = () => document.documentElement

describe('prefs store', () => {
  beforeEach(() => {
    localStorage.clear()
    html().className = ''
    html().lang = ''
    setActivePinia(createPinia())
  })

  it('defaults to zh-CN and care mode off', () => {
    const prefs = usePrefsStore()
    expect(prefs.locale).toBe('zh-CN')
    expect(prefs.careMode).toBe(false)
    expect(html().lang).toBe('zh-CN')
    expect(html().classList.contains('care-mode')).toBe(false)
    expect(i18n.global.locale.value).toBe('zh-CN')
  })

  it('persists the language and applies it to <html> and vue-i18n', () => {
    usePrefsStore().setLocale('en')
    expect(localStorage.getItem(LOCALE_KEY)).toBe('en')
    expect(html().lang).toBe('en')
    expect(i18n.global.locale.value).toBe('en')
    expect(document.title).toBe('Bangfu · Consumption Assistance')

    // a new page load reads it back
    html().lang = ''
    setActivePinia(createPinia())
    expect(usePrefsStore().locale).toBe('en')
    expect(html().lang).toBe('en')
  })

  it('persists care mode as the care-mode class on <html>', () => {
    usePrefsStore().setCareMode(true)
    expect(localStorage.getItem(CARE_MODE_KEY)).toBe('1')
    expect(html().classList.contains('care-mode')).toBe(true)

    html().className = ''
    setActivePinia(createPinia())
    expect(usePrefsStore().careMode).toBe(true)
    expect(html().classList.contains('care-mode')).toBe(true)

    usePrefsStore().setCareMode(false)
    expect(localStorage.getItem(CARE_MODE_KEY)).toBe('0')
    expect(html().classList.contains('care-mode')).toBe(false)
  })

  it('ignores garbage in storage', () => {
    localStorage.setItem(LOCALE_KEY, 'klingon')
    localStorage.setItem(CARE_MODE_KEY, 'yes')
    const prefs = usePrefsStore()
    expect(prefs.locale).toBe('zh-CN')
    expect(prefs.careMode).toBe(false)
  })
})
