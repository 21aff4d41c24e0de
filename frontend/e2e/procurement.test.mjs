// Browser test of a bulk order against the REAL Bangfu server with the demo data
// (`bangfu seed --demo`):
//
//   the demo buyer (福田区机关事务服务中心) uploads a small CSV order sheet on 批量下单; the dry
//   run shows one line that matches nothing (with its row and column), submitting is disabled;
//   the buyer removes that line, the check passes, fills the delivery and submits; the order is
//   in 采购订单; the supplier (马山县) finds it among 机构订单 and confirms it line by line.
//
//   BANGFU_BASE_URL=http://127.0.0.1:18181 npm run e2e
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

const BASE_URL = (process.env.BANGFU_BASE_URL || 'http://127.0.0.1:18080').replace(/\/+$/, '')
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const PASSWORD = 'bangfu-demo'
const TIMEOUT = 15_000
const DESKTOP = { viewport: { width: 1366, height: 900 } }

const PRODUCT = '马山旱藕粉'
const SPEC = '500g/袋'
const UNKNOWN = '不存在的商品ZZZ'

async function checkServer() {
  let res
  try {
    res = await fetch(`${BASE_URL}/api/categories`, { signal: AbortSignal.timeout(5000) })
  } catch (e) {
    throw new Error(`Bangfu server not reachable at ${BASE_URL} (${e.cause?.code ?? e.message}). Start the real backend with demo data and set BANGFU_BASE_URL.`)
  }
  if (res.status !== 200) throw new Error(`${BASE_URL}/api/categories answered ${res.status}: the procurement test needs the real backend with demo data.`)
  const page = await fetch(`${BASE_URL}/unit`, { signal: AbortSignal.timeout(5000) })
  if (!page.ok || !(await page.text()).includes('id="app"')) throw new Error(`${BASE_URL}/unit does not serve the frontend (status ${page.status}). Build it and point BANGFU_WEB_DIR at dist/.`)
}

const setupProblem = await checkServer().then(
  () => (existsSync(CHROMIUM_PATH) ? null : new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH.`)),
  (e) => e,
)

let browser
let orderNo = null
let orderId = null

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

if (setupProblem) {
  console.error(`\n*** ${setupProblem.message}\n`)
  test('Bangfu server (real backend) and Chromium are available', () => {
    throw setupProblem
  })
} else {
  before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
  })
  after(async () => {
    await browser?.close()
  })

  test('a buyer uploads an order sheet, removes the line that matches nothing and submits', async () => {
    const { context, page, problems } = await newPage()
    try {
      await login(page, 'buyer')
      await page.waitForURL((u) => u.pathname === '/unit')
      // the unit home links to the new pages instead of "即将上线"
      assert.equal(await page.getByText('即将上线').count(), 0)
      await page.getByTestId('link-bulk-order').click()
      await page.waitForURL((u) => u.pathname === '/unit/bulk-order')

      const dir = mkdtempSync(join(tmpdir(), 'bangfu-sheet-'))
      const csv = join(dir, 'order.csv')
      writeFileSync(csv, `商品编码或名称,规格,数量\n${PRODUCT},${SPEC},10\n${UNKNOWN},1kg/袋,5\n`)
      await page.getByTestId('bulk-file').setInputFiles(csv)

      // the dry run: row 2 is fine, row 3 matches nothing and says so in the product column
      const rows = page.getByTestId('bulk-line')
      await page.getByTestId('bulk-summary').waitFor({ state: 'visible' })
      assert.equal(await rows.count(), 2)
      assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => [e.dataset.row, e.dataset.problem])), [
        ['2', 'no'],
        ['3', 'yes'],
      ])
      const problem = page.getByTestId('bulk-problem').first()
      assert.match(await problem.innerText(), /商品/)
      await page.getByTestId('bulk-has-problems').waitFor({ state: 'visible' })
      assert.equal(await page.getByTestId('bulk-submit').isDisabled(), true, 'submitting is refused while a line has a problem')
      // row 2 is priced: 10 × ¥39.00 (no tier below 50)
      assert.match(await page.getByTestId('bulk-lines').innerText(), /¥390\.00/)

      // remove the bad row: checked again, no problem left
      await page.getByTestId('bulk-remove-3').click()
      await page.locator('[data-testid="bulk-line"][data-row="3"]').waitFor({ state: 'detached' })
      await page.locator('[data-testid="bulk-summary"]', { hasText: '0 行有问题' }).waitFor({ state: 'visible' })
      await page.getByTestId('bulk-contact').fill('王主任')
      await page.getByTestId('bulk-phone').fill('13800138000')
      await page.getByTestId('bulk-address').fill('深圳市福田区福中三路1号 食堂仓库')
      assert.equal(await page.getByTestId('bulk-submit').isDisabled(), false)
      await page.getByTestId('bulk-submit').click()

      // one supplier: straight to the order
      await page.waitForURL((u) => /^\/unit\/orders\/\d+$/.test(u.pathname))
      orderId = Number(new URL(page.url()).pathname.split('/').pop())
      const status = (await page.getByTestId('proc-detail-status').innerText()).trim()
      assert.ok(['待审批', '待供应商确认'].includes(status), `status in words: ${status}`)
      assert.match(await page.getByTestId('proc-lines').innerText(), new RegExp(PRODUCT))
      orderNo = (await page.locator('h1.page-title').innerText()).match(/[A-Z0-9-]{6,}/)?.[0] ?? null

      // and in the list
      await page.goto('/unit/orders')
      await page.getByTestId(`proc-order-${orderId}`).waitFor({ state: 'visible' })
      assert.deepEqual(problems, [])
    } finally {
      await context.close()
    }
  })

  test('the supplier confirms the order line by line', async () => {
    assert.ok(orderId, 'the order of the previous step')
    // an order that needs approval is approved first by the unit's approver
    {
      const { context, page } = await newPage()
      try {
        await login(page, 'approver')
        await page.goto(`/unit/orders/${orderId}`)
        await page.getByTestId('proc-detail-status').waitFor({ state: 'visible' })
        while ((await page.getByTestId('proc-detail-status').innerText()).trim() === '待审批') {
          if (!(await page.getByTestId('proc-approve').count())) break
          await page.getByTestId('proc-approve').click()
          await page.waitForTimeout(500)
        }
      } finally {
        await context.close()
      }
    }
    const { context, page, problems } = await newPage()
    try {
      await login(page, 'supplier')
      await page.waitForURL((u) => u.pathname === '/supplier')
      // the home counts the bulk orders waiting for the supplier's confirmation
      const count = page.getByTestId('todo-proc-to-confirm').getByTestId('todo-count')
      await page.waitForFunction((el) => /^\d+$/.test(el.innerText.trim()), await count.elementHandle())
      assert.ok(Number(await count.innerText()) >= 1, 'the new order waits for confirmation')
      assert.equal((await page.getByTestId('nav-/supplier/proc-orders').innerText()).trim(), '机构订单')
      await page.getByTestId('nav-/supplier/proc-orders').click()
      await page.waitForURL((u) => u.pathname === '/supplier/proc-orders')
      await page.getByTestId(`proc-order-${orderId}`).click()
      await page.waitForURL((u) => u.pathname === `/supplier/proc-orders/${orderId}`)
      assert.equal((await page.getByTestId('proc-detail-status').innerText()).trim(), '待供应商确认')
      await page.getByTestId('proc-confirm').click()
      await page.getByTestId('proc-dialog-submit').click()
      await page.locator('[data-testid="proc-detail-status"]', { hasText: '已确认' }).waitFor({ state: 'visible' })
      // confirmed quantity shows on the line
      assert.match(await page.getByTestId('proc-lines').innerText(), /10\s+10/)
      assert.deepEqual(problems, [])
    } finally {
      await context.close()
    }
  })
}
