import { watch } from 'vue'
import { Locale } from 'vant'
import vantZhCN from 'vant/es/locale/lang/zh-CN'
import vantEnUS from 'vant/es/locale/lang/en-US'
import { usePrefsStore } from '@/stores/prefs'

/** Keeps Vant's built-in texts (Empty, Dialog buttons, ...) in the chosen language. */
export function useVantLocale(): void {
  const prefs = usePrefsStore()
  watch(
    () => prefs.locale,
    (l) => (l === 'en' ? Locale.use('en-US', vantEnUS) : Locale.use('zh-CN', vantZhCN)),
    { immediate: true },
  )
}
