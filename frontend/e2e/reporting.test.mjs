// Browser test of the procurement share screens against the REAL Bangfu server with the demo
// data (`bangfu seed --demo`):
//
//   through the API the demo buyer (福田区机关事务服务中心) declares an off-platform purchase of
//   ¥12,345.67 from 德保县 (poverty-lifted, paired with 坪山区) and the operator verifies it, so
//   the unit has something counted; the buyer's home shows its share dashboard (gauge, figures,
//   monthly chart, status); the regulator opens the city report, finds the unit in the ranked
//   table, clicks it and sees the same completed amount with the declaration behind it.
//
//   BANGFU_BASE_URL=http://127.0.0.1:18181 npm run e2e
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'

const BASE_URL = (process.env.BANGFU_BASE_URL || 'http://127.0.0.1:18080').replace(/\/+$/, '')
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const PASSWORD = 'bangfu-demo'
const TIMEOUT = 15_000
const DESKTOP = { viewport: { width: 1366, height: 900 } }
const UNIT = '福田区机关事务服务中心（演示）'

async function checkServer() {
  let res
  try {
    res = await fetch(`${BASE_URL}/api/categories`, { signal: AbortSignal.timeout(5000) })
  } catch (e) {
    throw new Error(`Bangfu server not reachable at ${BASE_URL} (${e.cause?.code ?? e.message}). Start the real backend with demo data and set BANGFU_BASE_URL.`)
  }
  if (res.status !== 200) throw new Error(`${BASE_URL}/api/categories answered ${res.status}: the reporting test needs the real backend with demo data.`)
}

const setupProblem = await checkServer().then(
  () => (existsSync(CHROMIUM_PATH) ? null : new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH.`)),
  (e) => e,
)

let browser

async function apiLogin(login) {
  const res = await fetch(`${BASE_URL}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password: PASSWORD }),
  })
  assert.equal(res.status, 200, `API login of ${login}`)
  const body = await res.json()
  return { token: body.token, me: body.me }
}

async function call(session, method, path, body) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

async function newPage() {
  const context = await browser.newContext({ ...DESKTOP, locale: 'zh-CN', baseURL: BASE_URL })
  context.setDefaultTimeout(TIMEOUT)
  const page = await context.newPage()
  const problems = []
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  return { context, page, problems }
}

async function login(page, name) {
  await page.goto('/login')
  await page.locator('input[name="login"]').fill(name)
  await page.locator('input[name="password"]').fill(PASSWORD)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => u.pathname !== '/login')
}

const money = (text) => Number(text.replace(/[¥,\s]/g, ''))

if (setupProblem) {
  console.error(`\n*** ${setupProblem.message}\n`)
  test('Bangfu server (real backend) and Chromium are available', () => {
    throw setupProblem
  })
} else {
  let unitId = null

  before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    // Something counted for the demo unit: a verified off-platform purchase.
    const buyer = await apiLogin('buyer')
    unitId = buyer.me.roles.find((r) => r.role === 'buyer').org.id
    const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)
    const declared = await call(buyer, 'POST', `/api/procurement/units/${unitId}/offplatform`, {
      purchase_date: today,
      seller_name: '德保县农贸市场',
      amount_fen: 1_234_567,
      assistance: true,
      origin_county_code: '451024',
      description: '脐橙 800 斤',
    })
    assert.equal(declared.status, 201, JSON.stringify(declared.body))
    const operator = await apiLogin('operator')
    const verified = await call(operator, 'POST', `/api/procurement/offplatform/${declared.body.id}/verify`)
    assert.equal(verified.status, 200, JSON.stringify(verified.body))
  })
  after(async () => {
    await browser?.close()
  })

  test('the buyer sees the unit share dashboard with its gauge, months and figures', async () => {
    const { context, page, problems } = await newPage()
    try {
      await login(page, 'buyer')
      await page.waitForURL((u) => u.pathname === '/unit')
      const share = page.getByTestId('unit-share')
      await share.waitFor({ state: 'visible' })
      await page.getByTestId('share-figures').waitFor({ state: 'visible' })
      assert.ok(money(await page.getByTestId('fig-completed').innerText()) >= 12345.67, 'the verified declaration counts')
      const status = (await page.getByTestId('share-status').innerText()).trim()
      assert.ok(['已完成', '进度正常', '进度落后', '未填报', '无需预留'].includes(status), `status in words: ${status}`)
      // the charts are drawn (ECharts renders to a canvas)
      await page.locator('[data-testid="share-gauge"] canvas').waitFor({ state: 'attached' })
      await page.locator('[data-testid="monthly-chart"] canvas').waitFor({ state: 'attached' })
      assert.match(await page.getByTestId('share-origins').innerText(), /德保县/)
      assert.deepEqual(problems, [])
    } finally {
      await context.close()
    }
  })

  test('the regulator finds the unit in the city report and drills down to what counted', async () => {
    const { context, page, problems } = await newPage()
    try {
      await login(page, 'regulator')
      await page.waitForURL((u) => u.pathname === '/regulator')
      await page.getByTestId('link-share-report').click()
      await page.waitForURL((u) => u.pathname === '/regulator/share')
      const table = page.getByTestId('city-units')
      await table.locator('tbody tr').first().waitFor({ state: 'visible' })
      assert.ok((await table.locator('tbody tr').count()) >= 20, 'every demo unit of Shenzhen is listed')
      assert.match(await page.getByTestId('city-totals').innerText(), /单位数/)
      // search by name narrows the table to the unit
      await page.getByTestId('city-q').fill('福田区机关事务')
      await page.getByTestId('city-q').press('Enter')
      await table.locator('tbody tr', { hasText: UNIT }).waitFor({ state: 'visible' })
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="city-units"] tbody tr').length === 1)
      const row = table.locator('tbody tr', { hasText: UNIT })
      const rowText = await row.innerText()
      await page.getByTestId(`unit-link-${unitId}`).click()
      await page.waitForURL((u) => u.pathname === `/regulator/units/${unitId}`)
      await page.getByTestId('share-figures').waitFor({ state: 'visible' })
      const completed = (await page.getByTestId('fig-completed').innerText()).trim()
      assert.ok(rowText.includes(completed), `the row (${rowText}) shows the drill-down's completed ${completed}`)
      const facts = page.getByTestId('share-facts')
      await facts.locator('tbody tr', { hasText: '¥12,345.67' }).first().waitFor({ state: 'visible' })
      assert.match(await facts.innerText(), /平台外申报/)
      await page.getByTestId('back-to-city').click()
      await page.waitForURL((u) => u.pathname === '/regulator/share')
      assert.deepEqual(problems, [])
    } finally {
      await context.close()
    }
  })
}
