// Browser tests of login, role homes, logout and preferences, against a running Bangfu
// server (the real backend serving frontend/dist, or `npm run mock` after `npm run build`).
//
//   BANGFU_BASE_URL=http://127.0.0.1:18080 npm run e2e
//
// Uses playwright-core with the system Chromium (CHROMIUM_PATH, default /usr/bin/chromium);
// no browser is downloaded.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'

const BASE_URL = (process.env.BANGFU_BASE_URL || 'http://127.0.0.1:18080').replace(/\/+$/, '')
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const PASSWORD = 'bangfu-demo'
const TIMEOUT = 15_000

// login -> [expected path, data-testid role, mobile viewport?]
const DEMO_LOGINS = [
  ['operator', '/admin', 'operator', false],
  ['union_admin', '/union', 'union_admin', false],
  ['member', '/m', 'member', true],
  ['buyer', '/unit', 'buyer', false],
  ['approver', '/unit', 'approver', false],
  ['supplier', '/supplier', 'supplier_admin', false],
  ['regulator', '/regulator', 'regulator', false],
]

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
const DESKTOP = { viewport: { width: 1366, height: 900 } }

/** Fails with a message that says what to do, instead of a wall of browser errors. */
async function checkServer() {
  let res
  try {
    res = await fetch(`${BASE_URL}/api/me`, { signal: AbortSignal.timeout(5000) })
  } catch (e) {
    throw new Error(
      `Bangfu server not reachable at ${BASE_URL} (${e.cause?.code ?? e.message}). ` +
        'Start the backend (or `npm run build && npm run mock`) and set BANGFU_BASE_URL, or run `npm run e2e:mock`.',
    )
  }
  if (res.status !== 401 && res.status !== 200) {
    throw new Error(`${BASE_URL}/api/me answered ${res.status}; expected 401 (not logged in). Is this a Bangfu server?`)
  }
  const page = await fetch(`${BASE_URL}/login`, { signal: AbortSignal.timeout(5000) })
  const html = await page.text()
  if (!page.ok || !html.includes('id="app"')) {
    throw new Error(`${BASE_URL}/login does not serve the frontend (status ${page.status}). Build it: npm run build.`)
  }
}

// Checked before any test is registered, so that a missing server or browser is one clear
// failure rather than a cancelled test per role.
const setupProblem = await checkServer().then(
  () => (existsSync(CHROMIUM_PATH) ? null : new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH.`)),
  (e) => e,
)
if (setupProblem) {
  console.error(`\n*** ${setupProblem.message}\n`)
  test('Bangfu server and Chromium are available', () => {
    throw setupProblem
  })
} else {
  registerTests()
}

let browser

function registerTests() {
  before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
  })

  after(async () => {
    await browser?.close()
  })

  async function newPage(mobile = false) {
    const context = await browser.newContext({ ...(mobile ? PHONE : DESKTOP), locale: 'zh-CN', baseURL: BASE_URL })
    context.setDefaultTimeout(TIMEOUT)
    const page = await context.newPage()
    const problems = []
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    return { context, page, problems }
  }

  async function submitLogin(page, login, password) {
    await page.goto('/login')
    await page.locator('input[name="login"]').fill(login)
    await page.locator('input[name="password"]').fill(password)
    await page.getByTestId('login-submit').click()
  }

  const pathOf = (page) => new URL(page.url()).pathname

  describe('demo logins reach their role home', () => {
    for (const [login, home, role, mobile] of DEMO_LOGINS) {
      test(`${login} -> ${home}`, async () => {
        const { context, page, problems } = await newPage(mobile)
        try {
          await submitLogin(page, login, PASSWORD)
          await page.waitForURL((u) => u.pathname !== '/login')
          // A demo user holding several roles gets the picker first.
          if (pathOf(page) === '/choose-role') await page.locator(`[data-testid^="pick-${role}-"]`).first().click()
          await page.waitForURL((u) => u.pathname === home)
          const heading = page.getByTestId(`home-${role}`)
          await heading.waitFor({ state: 'visible' })
          assert.equal(pathOf(page), home)
          assert.ok(await heading.isVisible(), `home-${role} visible`)

          if (mobile) {
            await page.getByTestId('tab-mine').click()
            await page.waitForURL((u) => u.pathname === '/m/mine')
          }
          await page.getByTestId('logout').click()
          await page.waitForURL((u) => u.pathname === '/login')
          // the session is really gone: going home sends us back to the login page
          await page.goto(home)
          await page.waitForURL((u) => u.pathname === '/login')
          assert.deepEqual(problems, [])
        } finally {
          await context.close()
        }
      })
    }
  })

  test('a wrong password shows the error text', async () => {
    const { context, page } = await newPage()
    try {
      await submitLogin(page, 'operator', 'definitely-wrong')
      const error = page.getByTestId('login-error')
      await error.waitFor({ state: 'visible' })
      assert.match(await error.innerText(), /手机号\/用户名或密码错误/)
      assert.equal(pathOf(page), '/login')
    } finally {
      await context.close()
    }
  })

  test('a wrong role is sent to its own home', async () => {
    const { context, page } = await newPage(true)
    try {
      await submitLogin(page, 'member', PASSWORD)
      await page.waitForURL((u) => u.pathname === '/m')
      await page.goto('/admin/audit')
      await page.waitForURL((u) => u.pathname === '/m')
      await page.getByTestId('home-member').waitFor({ state: 'visible' })
    } finally {
      await context.close()
    }
  })

  test('a session lost on the server sends the user back to /login', async () => {
    const { context, page } = await newPage()
    try {
      await submitLogin(page, 'operator', PASSWORD)
      await page.waitForURL((u) => u.pathname === '/admin')
      await page.waitForLoadState('networkidle') // the home's own requests (its to-do counts) are done
      await context.clearCookies() // as if the session expired
      await page.getByTestId('nav-/admin/audit').click() // the page's API call now gets 401
      await page.waitForURL((u) => u.pathname === '/login')
      assert.equal(new URL(page.url()).searchParams.get('redirect'), '/admin/audit')
      assert.match(await page.getByTestId('login-error').innerText(), /登录已失效/)
    } finally {
      await context.close()
    }
  })

  test('English and 关怀版 survive a reload', async () => {
    const { context, page } = await newPage()
    try {
      await page.goto('/login')
      await page.getByTestId('locale-en').click()
      await page.getByTestId('care-switch').click()
      await page.reload()
      await page.getByTestId('login-submit').waitFor({ state: 'visible' })
      const html = await page.evaluate(() => ({
        lang: document.documentElement.lang,
        care: document.documentElement.classList.contains('care-mode'),
        fontSize: parseFloat(getComputedStyle(document.documentElement).fontSize),
      }))
      assert.equal(html.lang, 'en')
      assert.equal(html.care, true)
      assert.ok(html.fontSize >= 20, `care mode font size ${html.fontSize}px`)
      assert.match(await page.getByTestId('login-submit').innerText(), /Log in/)
    } finally {
      await context.close()
    }
  })
}
