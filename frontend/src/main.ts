import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import { configureClient } from './api/client'
import { usePrefsStore } from './stores/prefs'
import { useSessionStore } from './stores/session'
import './styles/base.css'
import './styles/care-mode.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)

usePrefsStore() // applies the saved language and 关怀版 to <html>
const session = useSessionStore()

configureClient({
  csrfToken: () => session.csrfToken,
  // The session ended server-side (expired, logged out elsewhere): back to the login page.
  onUnauthorized: () => {
    session.clear()
    const current = router.currentRoute.value
    if (!current.meta.public) {
      void router.replace({ path: '/login', query: { redirect: current.fullPath, expired: '1' } })
    }
  },
})

app.use(router)
void router.isReady().then(() => app.mount('#app'))
