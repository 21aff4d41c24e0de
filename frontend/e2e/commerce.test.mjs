// Browser test of the coupon-to-settlement round trip against the REAL Bangfu server with the
// demo data (`bangfu seed --demo`), offline test payment provider (no Stripe key):
//
//   a member on a phone claims the running coupon of 深圳市总工会 in the claim center, puts two
//   assistance products of two suppliers in the cart, checks out with the coupon (¥40.00 split
//   across both orders), pays on the test payment page and sees both orders paid; then the
//   union admin sees the redemption in the campaign's live statistics; the member asks for a
//   refund of one mango with a photo (a PNG made here), and the supplier sees the photo among
//   its refunds to decide.
//
//   BANGFU_BASE_URL=http://127.0.0.1:18181 npm run e2e
//
// The demo member may hold one coupon of the campaign: run it against a freshly seeded server
// (a second run finds the coupon used and says so).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { deflateSync } from 'node:zlib'
import { chromium } from 'playwright-core'

const BASE_URL = (process.env.BANGFU_BASE_URL || 'http://127.0.0.1:18080').replace(/\/+$/, '')
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const PASSWORD = 'bangfu-demo'
const TIMEOUT = 15_000

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
const DESKTOP = { viewport: { width: 1366, height: 900 } }

const CAMPAIGN = '2026冬季消费帮扶券（满50减40）'
const PRODUCTS = ['百色芒果（田阳香芒）', '赣南脐橙']

// ---- setup --------------------------------------------------------------------------------
async function checkServer() {
  let res
  try {
    res = await fetch(`${BASE_URL}/api/categories`, { signal: AbortSignal.timeout(5000) })
  } catch (e) {
    throw new Error(`Bangfu server not reachable at ${BASE_URL} (${e.cause?.code ?? e.message}). Start the real backend with demo data and set BANGFU_BASE_URL.`)
  }
  if (res.status !== 200) {
    throw new Error(`${BASE_URL}/api/categories answered ${res.status}: the commerce test needs the real backend with demo data (the mock has no shop).`)
  }
  const page = await fetch(`${BASE_URL}/m`, { signal: AbortSignal.timeout(5000) })
  if (!page.ok || !(await page.text()).includes('id="app"')) {
    throw new Error(`${BASE_URL}/m does not serve the frontend (status ${page.status}). Build it (npm run build) and point BANGFU_WEB_DIR at dist/.`)
  }
}

const setupProblem = await checkServer().then(
  () => (existsSync(CHROMIUM_PATH) ? null : new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH.`)),
  (e) => e,
)

/** A logged-in API session from node (cookie + CSRF), for reading baselines. */
async function apiSession(login) {
  const res = await fetch(`${BASE_URL}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login, password: PASSWORD }),
  })
  assert.equal(res.status, 200, `login ${login}`)
  const body = await res.json()
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const get = async (path) => {
    const r = await fetch(`${BASE_URL}${path}`, { headers: { Cookie: cookie } })
    assert.equal(r.status, 200, `GET ${path}`)
    return r.json()
  }
  return { me: body.me, get }
}

let browser

async function newPage(mobile = false) {
  const context = await browser.newContext({ ...(mobile ? PHONE : DESKTOP), locale: 'zh-CN', baseURL: BASE_URL })
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

const cssVar = (page, name) => page.evaluate((n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim(), name)
const toast = (page) => page.locator('.van-toast__text').last()
/** "¥1,234.56" / "-¥17.75" -> fen, by string handling. */
function fenOf(text) {
  const m = /(-?)¥([\d,]+)\.(\d{2})/.exec(text)
  assert.ok(m, `an amount in ${JSON.stringify(text)}`)
  return (m[1] ? -1 : 1) * Number(m[2].replaceAll(',', '') + m[3])
}

// CRC-32 (as PNG chunks use it), table-driven.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** A small RGB PNG (a gradient; `seed` varies the bytes so each run uploads a new image). */
function pngBytes(width, height, seed) {
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length)
    out.writeUInt32BE(data.length, 0)
    out.write(type, 4, 'ascii')
    data.copy(out, 8)
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
    return out
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8 bits, RGB, deflate, no filter method, no interlace
  const rows = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    const at = y * (width * 3 + 1)
    for (let x = 0; x < width; x++) rows.set([(x * 4) & 0xff, (y * 4) & 0xff, seed & 0xff], at + 1 + x * 3)
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))])
}

// Shared between the steps, which run in order.
let campaignId = null
let baseline = null
let orderIds = []

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
    // the campaign and its statistics before this run
    const union = await apiSession('union_admin')
    const unionId = union.me.roles.find((g) => g.role === 'union_admin').org.id
    const list = await union.get(`/api/unions/${unionId}/campaigns`)
    const campaign = list.items.find((c) => c.name === CAMPAIGN)
    assert.ok(campaign, `the demo campaign ${CAMPAIGN}`)
    assert.equal(campaign.status, 'running')
    campaignId = campaign.id
    baseline = await union.get(`/api/campaigns/${campaignId}/stats`)
  })

  after(async () => {
    await browser?.close()
  })

  test('a member claims the coupon, buys from two suppliers with it and pays on the test page', async () => {
    const { context, page, problems } = await newPage(true)
    try {
      await login(page, 'member')
      await page.waitForURL((u) => u.pathname === '/m')

      // ---- claim center: the running campaign's drop is open all day
      await page.getByTestId('tab-coupons').click()
      await page.waitForURL((u) => u.pathname === '/m/coupons')
      const card = page.locator('[data-testid="claim-card"]', { hasText: CAMPAIGN })
      await card.waitFor({ state: 'visible' })
      assert.equal(await cssVar(page, '--el-color-primary'), '', 'the member area does not load Element Plus')
      assert.match(await card.getByTestId('claim-remaining').innerText(), /今日剩余 \d+ 张/)
      const state = await card.getAttribute('data-state')
      assert.notEqual(state, 'limit_reached', 'the demo member already holds this coupon: run the test against a freshly seeded server')
      assert.equal(state, 'open')
      await card.getByTestId('claim-button').click()
      await toast(page).filter({ hasText: '领取成功' }).waitFor({ state: 'visible' })
      await page.locator('[data-testid="claim-card"][data-state="limit_reached"]', { hasText: CAMPAIGN }).waitFor({ state: 'visible' })
      assert.equal((await card.getByTestId('claim-button').innerText()).trim(), '已领取')
      // a second press is refused with its own message
      // (the button is disabled now; the wallet shows the coupon)
      await page.getByTestId('go-wallet').click()
      await page.waitForURL((u) => u.pathname === '/m/wallet')
      await page.locator('[data-testid="wallet-coupon"]', { hasText: CAMPAIGN }).waitFor({ state: 'visible' })

      // ---- an empty cart to start from (a reused server may have left lines)
      await page.evaluate(async () => {
        const me = await (await fetch('/api/me')).json()
        const cart = await (await fetch('/api/me/cart')).json()
        for (const l of cart.lines) {
          await fetch(`/api/me/cart/items/${l.sku_id}`, {
            method: 'PUT',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
            body: JSON.stringify({ quantity: 0 }),
          })
        }
      })

      // ---- two assistance products of two suppliers, from their product pages
      for (const name of PRODUCTS) {
        await page.goto(`/shop/search?q=${encodeURIComponent(name)}`)
        const productCard = page.locator('[data-testid="product-card"]', { hasText: name }).first()
        await productCard.waitFor({ state: 'visible' })
        await productCard.click()
        await page.waitForURL((u) => u.pathname.startsWith('/shop/p/'))
        assert.equal(await page.getByTestId('product-name').innerText(), name)
        await page.getByTestId('add-to-cart').click()
        await toast(page).filter({ hasText: '已加入购物车' }).waitFor({ state: 'visible' })
      }

      // ---- cart: two suppliers, two lines
      await page.getByTestId('product-cart-icon').click()
      await page.waitForURL((u) => u.pathname === '/m/cart')
      await page.getByTestId('cart-line').nth(1).waitFor({ state: 'visible' })
      assert.equal(await page.getByTestId('cart-group').count(), 2, 'one group per supplier')
      assert.equal(await page.getByTestId('cart-line').count(), 2)
      await page.getByTestId('cart-checkout').locator('button').click()
      await page.waitForURL((u) => u.pathname === '/m/checkout')

      // ---- checkout: the suggested coupon is preselected and split across both orders
      await page.getByTestId('checkout-group').nth(1).waitFor({ state: 'visible' })
      await page.locator('[data-testid="coupon-option"]', { hasText: CAMPAIGN }).locator('.van-radio__icon--checked').waitFor({ state: 'visible' })
      assert.equal(await page.getByTestId('checkout-discount').innerText(), '-¥40.00')
      const shares = await page.getByTestId('group-discount').allInnerTexts()
      assert.equal(shares.length, 2)
      const shareFen = shares.map(fenOf)
      assert.ok(shareFen.every((f) => f < 0), `both orders carry a share: ${shares}`)
      assert.equal(shareFen[0] + shareFen[1], -4000, 'the shares add up to ¥40.00')
      const items = (await page.getByTestId('group-items').allInnerTexts()).map(fenOf)
      const dues = (await page.getByTestId('group-due').allInnerTexts()).map(fenOf)
      assert.deepEqual(dues, [items[0] + shareFen[0], items[1] + shareFen[1]])
      const due = fenOf(await page.getByTestId('checkout-due').innerText())
      assert.equal(due, items[0] + items[1] - 4000)

      // the address: recipient, phone, province / city / district sheets, street
      await page.getByTestId('address-recipient').locator('input').fill('张伟')
      await page.getByTestId('address-phone').locator('input').fill('13900000001')
      for (const [field, name] of [
        ['address-province', '广东省'],
        ['address-city', '深圳市'],
        ['address-district', '福田区'],
      ]) {
        await page.getByTestId(field).click()
        await page.locator('.van-action-sheet__item', { hasText: name }).click()
        await page.locator('.van-action-sheet').waitFor({ state: 'hidden' })
        assert.equal(await page.getByTestId(field).locator('input').inputValue(), name)
      }
      await page.getByTestId('address-detail').locator('textarea').fill('福华路1号 帮扶大厦 8 楼')
      await page.getByTestId('checkout-submit').locator('button').click()

      // ---- payment: the offline test provider says plainly that no money moves
      await page.waitForURL((u) => /^\/m\/pay\/\d+$/.test(u.pathname))
      const testBox = page.getByTestId('test-payment')
      await testBox.waitFor({ state: 'visible' })
      assert.match(await testBox.innerText(), /测试支付（不会真实扣款）/)
      assert.equal(fenOf(await page.getByTestId('payment-amount').innerText()), due)
      assert.equal(await page.getByTestId('payment-order').count(), 2, 'one order per supplier')
      await page.getByTestId('test-pay').click()
      await page.getByTestId('payment-succeeded').waitFor({ state: 'visible' })
      assert.match(await page.getByTestId('payment-status').innerText(), /已支付/)
      orderIds = await page.getByTestId('payment-order').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-order-id'))))
      assert.equal(orderIds.length, 2)

      // ---- my orders: both paid
      await page.getByTestId('go-orders').click()
      await page.waitForURL((u) => u.pathname === '/m/orders')
      for (const id of orderIds) {
        const order = page.locator(`[data-testid="order-card"][data-order-id="${id}"]`)
        await order.waitFor({ state: 'visible' })
        assert.equal(await order.getAttribute('data-status'), 'paid')
        assert.equal((await order.getByTestId('order-status').innerText()).trim(), '已支付')
      }
      // an order's page: paid, the coupon share, the masked phone
      await page.locator(`[data-testid="order-card"][data-order-id="${orderIds[0]}"]`).click()
      await page.waitForURL((u) => u.pathname === `/m/orders/${orderIds[0]}`)
      assert.equal((await page.getByTestId('order-detail-status').innerText()).trim(), '已支付')
      assert.match(await page.getByTestId('order-address').innerText(), /139\*\*\*\*0001/)
      assert.deepEqual(problems, [])
    } finally {
      await context.close()
    }
  })

  test('the union admin sees the redemption in the campaign statistics', async () => {
    assert.equal(orderIds.length, 2, 'the member paid')
    const { context, page, problems } = await newPage()
    try {
      await login(page, 'union_admin')
      await page.waitForURL((u) => u.pathname === '/union')
      await page.getByTestId('nav-/union/campaigns').click()
      await page.waitForURL((u) => u.pathname === '/union/campaigns')
      assert.equal(await cssVar(page, '--van-nav-bar-height'), '', 'the back office does not load Vant')
      await page.getByTestId(`campaign-monitor-${campaignId}`).click()
      await page.waitForURL((u) => u.pathname === `/union/campaigns/${campaignId}/monitor`)
      await page.getByTestId('monitor-stats').waitFor({ state: 'visible' })
      const used = Number((await page.getByTestId('stat-used').locator('.el-statistic__content').innerText()).replace(/[^\d]/g, ''))
      assert.ok(used >= 1, `used ${used}`)
      assert.equal(used, baseline.used + 1)
      const redeemed = await page.getByTestId('stat-redeemed').innerText()
      assert.equal(fenOf(redeemed) - baseline.redeemed_fen, 4000, `redeemed ${redeemed}`)
      if (baseline.redeemed_fen === 0) assert.equal(redeemed, '¥40.00')
      // the ECharts line of claims by day (its own lazy chunk, drawn as SVG)
      await page.getByTestId('claims-chart').locator('svg').first().waitFor({ state: 'attached' })
      assert.deepEqual(problems, [])
    } finally {
      await context.close()
    }
  })

  test('the member asks for a refund with a photo and the supplier sees it', async () => {
    assert.equal(orderIds.length, 2, 'the member paid')
    // the mango's order, and the supplier that sells it
    const supplier = await apiSession('supplier05')
    const supplierOrg = supplier.me.roles.find((g) => g.role === 'supplier_admin').org.id
    const { context, page, problems } = await newPage(true)
    let hash = null
    try {
      await login(page, 'member')
      const orders = await page.evaluate(async (ids) => Promise.all(ids.map(async (id) => (await fetch(`/api/orders/${id}`)).json())), orderIds)
      const order = orders.find((o) => o.supplier_org_id === supplierOrg)
      assert.ok(order, `an order of supplier05 among ${orders.map((o) => o.supplier_org_id)}`)
      await page.goto(`/m/orders/${order.id}`)
      await page.getByTestId('request-refund').click()
      await page.waitForURL((u) => u.pathname === `/m/orders/${order.id}/refund`)
      // one unit is picked from the start, and the preview says what comes back
      assert.equal(await page.getByTestId('refund-line').first().locator('.van-stepper input').inputValue(), '1')
      assert.match(await page.getByTestId('refund-preview').innerText(), /¥\d/)
      await page.getByTestId('refund-reason').locator('textarea').fill('有一箱在运输中压坏了')
      const input = page.getByTestId('refund-photos').locator('input[type="file"]')
      // not an image: refused before sending, nothing added
      await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo') })
      await toast(page).filter({ hasText: '不支持的图片格式' }).waitFor({ state: 'visible' })
      assert.equal(await page.locator('.van-uploader__preview').count(), 0)
      // a photo: previewed, uploaded (the mask goes away), then removed and added again
      const photo = { name: 'box.png', mimeType: 'image/png', buffer: pngBytes(64, 48, Date.now() % 256) }
      await input.setInputFiles(photo)
      await page.locator('.van-uploader__preview').waitFor({ state: 'visible' })
      await page.locator('.van-uploader__mask').waitFor({ state: 'detached' })
      await page.locator('.van-uploader__preview-delete').click()
      assert.equal(await page.locator('.van-uploader__preview').count(), 0)
      await input.setInputFiles(photo)
      await page.locator('.van-uploader__preview').waitFor({ state: 'visible' })
      await page.locator('.van-uploader__mask').waitFor({ state: 'detached' })
      const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/orders/${order.id}/refunds`))
      await page.getByTestId('refund-submit').click()
      const body = (await sent).postDataJSON()
      assert.equal(body.photos.length, 1)
      hash = body.photos[0]
      assert.match(hash, /^[0-9a-f]{64}$/)
      await toast(page).filter({ hasText: '退款申请已提交' }).waitFor({ state: 'visible' })
      await page.waitForURL((u) => u.pathname === `/m/orders/${order.id}`)
      // the order shows the refund with its photo, which opens large
      const shown = page.getByTestId('refund-list').getByTestId('refund-photo')
      await shown.waitFor({ state: 'visible' })
      assert.ok(((await shown.locator('img').getAttribute('src')) ?? '').includes(`/media/${hash}/`))
      await shown.click()
      await page.locator('.van-image-preview').waitFor({ state: 'visible' })
      assert.deepEqual(problems, [])
    } finally {
      await context.close()
    }
    const desk = await newPage()
    try {
      await login(desk.page, 'supplier05')
      await desk.page.goto('/supplier/refunds')
      const table = desk.page.getByTestId('supplier-refunds-table')
      const img = table.getByTestId('refund-photo').locator('img').first()
      await img.waitFor({ state: 'visible' })
      const srcs = await table.getByTestId('refund-photo').locator('img').evaluateAll((els) => els.map((e) => e.getAttribute('src')))
      assert.ok(srcs.includes(`/media/${hash}/240.jpg`), `the member's photo among ${srcs}`)
      const mine = table.locator(`img[src="/media/${hash}/240.jpg"]`)
      await desk.page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await mine.elementHandle())
      await mine.click()
      const large = desk.page.locator('.el-image-viewer__img')
      await large.waitFor({ state: 'visible' })
      assert.equal(await large.getAttribute('src'), `/media/${hash}/960.jpg`)
      assert.deepEqual(desk.problems, [])
    } finally {
      await desk.context.close()
    }
  })
}
