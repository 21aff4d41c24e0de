// Browser test of the catalogue round trip against the REAL Bangfu server (not the mock): a
// supplier publishes a product with a photo and submits it, the operator approves it, and an
// anonymous shopper on a phone finds it by its Chinese name and opens its page.
//
//   BANGFU_BASE_URL=http://127.0.0.1:18181 npm run e2e
//
// The server needs the demo data (`bangfu seed --demo`): the `supplier` login is the admin of
// an admitted supplier with a valid assistance-product certificate.
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

// A distinctive Chinese name, different on every run (the server may be reused).
const SUFFIX = String(Math.floor(1000 + Math.random() * 9000))
const NAME = `测试高山土蜂蜜${SUFFIX}`

// ---- a small PNG, built by hand: 48x36, a honey-coloured gradient -------------------------
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
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}
function makePng(width, height) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 2, 0, 0, 0], 8) // 8-bit RGB
  const rows = []
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3) // filter byte 0, then RGB
    for (let x = 0; x < width; x++) row.set([230, 150 + Math.round((x / width) * 80), 20 + Math.round((y / height) * 60)], 1 + x * 3)
    rows.push(row)
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))])
}

// ---- setup --------------------------------------------------------------------------------
async function checkServer() {
  let res
  try {
    res = await fetch(`${BASE_URL}/api/categories`, { signal: AbortSignal.timeout(5000) })
  } catch (e) {
    throw new Error(`Bangfu server not reachable at ${BASE_URL} (${e.cause?.code ?? e.message}). Start the real backend and set BANGFU_BASE_URL.`)
  }
  if (res.status !== 200) {
    throw new Error(`${BASE_URL}/api/categories answered ${res.status}: the catalogue test needs the real backend with demo data (the mock has no catalogue).`)
  }
  const page = await fetch(`${BASE_URL}/shop`, { signal: AbortSignal.timeout(5000) })
  if (!page.ok || !(await page.text()).includes('id="app"')) {
    throw new Error(`${BASE_URL}/shop does not serve the frontend (status ${page.status}). Build it (npm run build) and point BANGFU_WEB_DIR at dist/.`)
  }
}

const setupProblem = await checkServer().then(
  () => (existsSync(CHROMIUM_PATH) ? null : new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH.`)),
  (e) => e,
)

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

/** Element Plus puts a test id on the <input> itself (ElInput) or on a wrapper (ElInputNumber). */
async function fill(page, testId, value, { blur = false } = {}) {
  const el = page.getByTestId(testId).first()
  const tag = await el.evaluate((e) => e.tagName)
  const target = tag === 'INPUT' || tag === 'TEXTAREA' ? el : el.locator('input, textarea').first()
  await target.fill(value)
  if (blur) await target.press('Tab')
}

/** Whether Element Plus's (or Vant's) stylesheet has been loaded into the page. */
const cssVar = (page, name) => page.evaluate((n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim(), name)

// Shared between the steps, which run in order.
let productId = null

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
  })

  after(async () => {
    await browser?.close()
  })

  test('a supplier creates a product with a photo and an SKU and submits it for review', async () => {
    const { context, page, problems } = await newPage()
    try {
      await login(page, 'supplier')
      await page.waitForURL((u) => u.pathname === '/supplier')
      await page.getByTestId('nav-/supplier/products').click()
      await page.waitForURL((u) => u.pathname === '/supplier/products')
      await page.getByTestId('new-product').click()
      await page.waitForURL((u) => u.pathname === '/supplier/products/new')
      assert.equal(await cssVar(page, '--van-nav-bar-height'), '', 'the back office does not load Vant')

      // category: 加工食品 › 蜂蜜 (a second-level category)
      await page.getByTestId('product-category').locator('.el-cascader').click()
      await page.locator('.el-cascader-node', { hasText: '加工食品' }).click()
      await page.locator('.el-cascader-node', { hasText: '蜂蜜' }).click()
      await page.locator('.el-cascader-menu').first().waitFor({ state: 'hidden' })

      await fill(page, 'product-name', NAME)
      await fill(page, 'product-subtitle', '高山百花蜜，浓稠结晶')
      await fill(page, 'product-shelf-life', '720', { blur: true })
      await fill(page, 'product-description', '产自大明山脚下的土蜂蜜。\n\n每一瓶都可追溯。')

      // a photo, generated here
      await page.getByTestId('product-images-input').setInputFiles({ name: 'honey.png', mimeType: 'image/png', buffer: makePng(48, 36) })
      await page.getByTestId('image-thumb').first().waitFor({ state: 'visible' })
      assert.equal(await page.getByTestId('image-error').count(), 0, 'the photo was accepted')

      // one SKU: 500g/瓶 at ¥12.30 (typed in yuan), 500 g, 100 in stock, and a bulk tier
      await fill(page, 'sku-spec', '500g/瓶')
      await fill(page, 'sku-price', '12.3', { blur: true })
      await fill(page, 'sku-unit', '瓶')
      await fill(page, 'sku-weight', '500', { blur: true })
      await fill(page, 'sku-stock', '100', { blur: true })
      await page.getByTestId('sku-tiers').click()
      const tierDialog = page.getByTestId('tier-dialog')
      await tierDialog.getByRole('button', { name: /添加一档/ }).click()
      const tierInputs = tierDialog.locator('tbody tr').first().locator('input')
      await tierInputs.nth(0).fill('10')
      await tierInputs.nth(0).press('Tab')
      await tierInputs.nth(1).fill('11')
      await tierInputs.nth(1).press('Tab')
      await tierDialog.getByTestId('tier-save').click()
      await tierDialog.waitFor({ state: 'hidden' })

      await page.getByTestId('product-save-submit').click()
      await page.waitForURL((u) => /^\/supplier\/products\/\d+$/.test(u.pathname))
      productId = Number(new URL(page.url()).pathname.split('/').pop())
      assert.ok(productId > 0)
      await page.locator('.el-tag', { hasText: '待审核' }).first().waitFor({ state: 'visible' })

      // the list shows it under review
      await page.getByTestId('nav-/supplier/products').click()
      const row = page.locator('.el-table__row', { hasText: NAME })
      await row.waitFor({ state: 'visible' })
      assert.match(await row.innerText(), /待审核/)
      assert.match(await row.innerText(), /¥12\.30/)
      assert.deepEqual(problems, [])
    } finally {
      await context.close()
    }
  })

  test('the operator approves it in the review queue', async () => {
    assert.ok(productId, 'the product was created')
    const { context, page, problems } = await newPage()
    try {
      await login(page, 'operator')
      await page.waitForURL((u) => u.pathname === '/admin')
      await page.getByTestId('nav-/admin/review/products').click()
      await page.waitForURL((u) => u.pathname === '/admin/review/products')
      await page.getByTestId(`review-preview-${productId}`).click()
      const drawer = page.getByTestId('product-preview')
      await drawer.waitFor({ state: 'visible' })
      assert.match(await drawer.innerText(), new RegExp(NAME))
      assert.match(await drawer.innerText(), /¥12\.30/)
      await page.getByTestId('review-approve').click()
      await page.getByTestId(`review-preview-${productId}`).waitFor({ state: 'detached' })
      assert.deepEqual(problems, [])
    } finally {
      await context.close()
    }
  })

  test('an anonymous shopper on a phone finds it in Chinese and sees price, certificates and origin', async () => {
    assert.ok(productId, 'the product was created')
    const { context, page, problems } = await newPage(true)
    try {
      await page.goto('/shop')
      await page.getByTestId('zone-baise').waitFor({ state: 'visible' })
      assert.equal(await cssVar(page, '--el-color-primary'), '', 'the shop does not load Element Plus')

      const search = page.getByTestId('shop-search-input').locator('input')
      await search.fill(NAME)
      await search.press('Enter')
      await page.waitForURL((u) => u.pathname === '/shop/search' && u.searchParams.get('q') === NAME)
      const card = page.locator(`[data-testid="product-card"][data-product-id="${productId}"]`)
      await card.waitFor({ state: 'visible' })
      assert.match(await card.innerText(), new RegExp(NAME))
      assert.match(await card.innerText(), /¥12\.30/)
      assert.match(await page.getByTestId('result-total').innerText(), /共 \d+ 件商品/)

      await card.click()
      await page.waitForURL((u) => u.pathname === `/shop/p/${productId}`)
      await page.getByTestId('product-name').waitFor({ state: 'visible' })
      assert.equal(await page.getByTestId('product-name').innerText(), NAME)
      assert.equal(await page.getByTestId('product-price').innerText(), '¥12.30')
      assert.match(await page.getByTestId('tier-table').innerText(), /¥11\.00/)

      const certs = page.getByTestId('product-certificates')
      await certs.waitFor({ state: 'visible' })
      assert.ok((await certs.getByTestId('certificate').count()) >= 1, 'at least one certificate')
      assert.match(await certs.innerText(), /消费帮扶产品认定/)
      assert.match(await certs.innerText(), /\d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}/)
      assert.ok((await certs.getByTestId('cert-valid-today').count()) >= 1, 'a certificate valid today')

      const origin = await page.getByTestId('product-origin').innerText()
      assert.match(origin, /广西壮族自治区 \/ \S+市 \/ \S+/)
      assert.match(origin, /马山县/)
      assert.ok(await page.getByTestId('assistance-badge').isVisible(), '消费帮扶 badge')

      // the traceability page that the package QR code opens
      await page.getByTestId('trace-link').click()
      await page.waitForURL((u) => u.pathname === `/trace/${productId}`)
      assert.equal(await page.getByTestId('trace-name').innerText(), NAME)
      assert.match(await page.getByTestId('trace-origin').innerText(), /马山县/)
      assert.deepEqual(problems, [])
    } finally {
      await context.close()
    }
  })
}
