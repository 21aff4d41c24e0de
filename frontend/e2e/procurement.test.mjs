// Browser test of a bulk order against the REAL Bangfu server with the demo data
// (`bangfu seed --demo`):
//
//   the demo buyer (福田区机关事务服务中心) uploads a small CSV order sheet on 批量下单; the dry
//   run shows one line that matches nothing (with its row and column), submitting is disabled;
//   the buyer removes that line, the check passes, fills the delivery and submits; the order is
//   in 采购订单; the supplier (马山县) finds it among 机构订单 and confirms it line by line;
//   then the rest of the cycle through the screens: the supplier ships it, the buyer accepts
//   the delivery with a photo (the image pipeline), the supplier uploads the 数电票 XML (read
//   and checked line by line), records the transfer, the buyer evaluates: 已完成. Then a
//   saved list from that order, ordered again; a request for quote answered by the supplier
//   and accepted into an order; and the unit admin's approval rules.
//
//   BANGFU_BASE_URL=http://127.0.0.1:18181 npm run e2e
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'
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

/** A small real PNG (a gradient), written to a temporary file. */
function pngFile() {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (buf) => {
    let c = 0xffffffff
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const sum = Buffer.alloc(4)
    sum.writeUInt32BE(crc(body))
    return Buffer.concat([len, body, sum])
  }
  const [w, h] = [64, 48]
  const rows = []
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3)
    for (let x = 0; x < w; x++) row.set([(x * 4) % 256, (y * 5) % 256, 128], 1 + x * 3)
    rows.push(row)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr.set([8, 2, 0, 0, 0], 8)
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))])
  const file = join(mkdtempSync(join(tmpdir(), 'bangfu-photo-')), 'acceptance.png')
  writeFileSync(file, png)
  return file
}

/** The 18th character of a USCC (GB 32100) from its first 17. */
function usccWithCheck(first17) {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  const sum = [...first17].reduce((s, ch, i) => s + chars.indexOf(ch) * weights[i], 0)
  const c = 31 - (sum % 31)
  return first17 + chars[c === 31 ? 0 : c]
}

/** A 数电票 XML for the order: one 免税 line, 10 × ¥39.00. */
function invoiceXml(number) {
  const today = new Date().toISOString().slice(0, 10)
  return `<?xml version="1.0" encoding="UTF-8"?>
<EInvoice>
  <Header><InherentLabel><GeneralOrSpecialVAT><LabelCode>02</LabelCode><LabelName>普通发票</LabelName></GeneralOrSpecialVAT></InherentLabel></Header>
  <EInvoiceData>
    <SellerInformation><SellerIdNum>${usccWithCheck('91450124MA5D3M001')}</SellerIdNum><SellerName>马山县山里红农业发展有限公司（演示）</SellerName></SellerInformation>
    <BuyerInformation><BuyerIdNum>${usccWithCheck('12440304MB2C00001')}</BuyerIdNum><BuyerName>福田区机关事务服务中心（演示）</BuyerName></BuyerInformation>
    <BasicInformation><TotalAmWithoutTax>390.00</TotalAmWithoutTax><TotalTaxAm>0.00</TotalTaxAm><TotalTax-includedAmount>390.00</TotalTax-includedAmount></BasicInformation>
    <IssuItemInformation><ItemName>*农产品*${PRODUCT}</ItemName><SpecMod>${SPEC}</SpecMod><MeaUnits>袋</MeaUnits><Quantity>10</Quantity><UnPrice>39.00</UnPrice><Amount>390.00</Amount><TaxRate>免税</TaxRate><ComTaxAm>***</ComTaxAm><TotaltaxIncludedAmount>390.00</TotaltaxIncludedAmount></IssuItemInformation>
  </EInvoiceData>
  <TaxSupervisionInfo><InvoiceNumber>${number}</InvoiceNumber><IssueTime>${today} 10:00:00</IssueTime></TaxSupervisionInfo>
</EInvoice>
`
}

async function openOrder(page, area) {
  await page.goto(area === 'supplier' ? `/supplier/proc-orders/${orderId}` : `/unit/orders/${orderId}`)
  await page.getByTestId('proc-detail-status').waitFor({ state: 'visible' })
}
async function waitStatus(page, words) {
  await page.locator('[data-testid="proc-detail-status"]', { hasText: words }).waitFor({ state: 'visible' })
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

  test('the supplier ships, the buyer accepts with a photo, the XML invoice is checked, paid and evaluated', async () => {
    assert.ok(orderId, 'the order of the previous steps')
    const dir = mkdtempSync(join(tmpdir(), 'bangfu-invoice-'))
    const xml = join(dir, 'invoice.xml')
    writeFileSync(xml, invoiceXml(`2544${String(Date.now()).padStart(16, '0')}`))
    {
      const { context, page, problems } = await newPage()
      try {
        await login(page, 'supplier')
        await openOrder(page, 'supplier')
        await page.getByTestId('proc-deliver').click()
        await page.getByTestId('proc-dialog-submit').click()
        await waitStatus(page, '已送达')
        assert.equal(await page.getByTestId('proc-delivery').count(), 1)
        assert.deepEqual(problems, [])
      } finally {
        await context.close()
      }
    }
    {
      const { context, page, problems } = await newPage()
      try {
        await login(page, 'buyer')
        await openOrder(page, 'unit')
        await page.locator('[data-testid^="proc-accept-"]').first().click()
        await page.getByTestId('accept-photo-file').setInputFiles(pngFile())
        await page.getByTestId('accept-photo').first().waitFor({ state: 'visible' })
        await page.getByTestId('proc-dialog-submit').click()
        // goods accepted; the invoice is still missing
        await page.getByTestId('proc-delivery-photos').waitFor({ state: 'visible' })
        assert.match(await page.getByTestId('proc-delivery').innerText(), /已验收/)
        assert.deepEqual(problems, [])
      } finally {
        await context.close()
      }
    }
    {
      const { context, page, problems } = await newPage()
      try {
        await login(page, 'supplier')
        await openOrder(page, 'supplier')
        await page.getByTestId('proc-invoice').click()
        await page.getByTestId('invoice-xml-file').setInputFiles(xml)
        await page.getByTestId('invoice-xml-chosen').waitFor({ state: 'visible' })
        await page.getByTestId('proc-dialog-submit').click()
        // read, checked line by line against 10 × ¥39.00: matched, the order is accepted
        await waitStatus(page, '已验收')
        const card = await page.getByTestId('proc-invoice-card').innerText()
        assert.match(card, /核对一致/)
        assert.match(card, /¥390\.00/)
        await page.getByTestId('proc-paid').click()
        await page.getByTestId('proc-dialog-text').fill('BOC20261203001')
        await page.getByTestId('proc-dialog-submit').click()
        await waitStatus(page, '已付款')
        assert.deepEqual(problems, [])
      } finally {
        await context.close()
      }
    }
    {
      const { context, page, problems } = await newPage()
      try {
        await login(page, 'buyer')
        await openOrder(page, 'unit')
        await page.getByTestId('proc-evaluate').click()
        await page.getByTestId('proc-dialog-submit').click()
        await waitStatus(page, '已完成')
        assert.deepEqual(problems, [])
      } finally {
        await context.close()
      }
    }
  })

  test('the completed order becomes a saved list, which fills the order form again', async () => {
    assert.ok(orderId)
    const { context, page, problems } = await newPage()
    const name = `常购-${Date.now()}`
    try {
      await login(page, 'buyer')
      await openOrder(page, 'unit')
      await page.getByTestId('proc-save-list').click()
      await page.locator('.el-message-box input').fill(name)
      await page.locator('.el-message-box .el-button--primary').click()
      await page.goto('/unit/lists')
      const list = page.locator(`[data-testid="saved-list"][data-name="${name}"]`)
      await list.waitFor({ state: 'visible' })
      assert.match(await list.innerText(), new RegExp(PRODUCT))
      await list.locator('[data-testid^="list-order-"]').click()
      await page.waitForURL((u) => u.pathname === '/unit/bulk-order')
      await page.locator('[data-testid="bulk-summary"]', { hasText: '0 行有问题' }).waitFor({ state: 'visible' })
      assert.equal(await page.getByTestId('bulk-line').count(), 1)
      assert.deepEqual(problems, [])
    } finally {
      await context.close()
    }
  })

  test('a request for quote: sent by the buyer, answered by the supplier, accepted into an order', async () => {
    let rfqId = null
    {
      const { context, page, problems } = await newPage()
      try {
        await login(page, 'buyer')
        await page.goto('/unit/rfqs')
        await page.getByTestId('rfq-new').click()
        await page.getByTestId('rfq-title').fill('食堂土鸡蛋询价')
        await page.getByTestId('rfq-suppliers').click()
        await page.locator('.el-select-dropdown__item', { hasText: '马山县山里红' }).click()
        await page.keyboard.press('Escape')
        await page.getByTestId('rfq-item-name-0').fill('土鸡蛋')
        await page.getByTestId('rfq-item-spec-0').fill('散装')
        await page.getByTestId('rfq-item-unit-0').fill('斤')
        await page.getByTestId('rfq-item-qty-0').locator('input').fill('100')
        await page.getByTestId('rfq-send').click()
        await page.waitForURL((u) => /^\/unit\/rfqs\/\d+$/.test(u.pathname))
        rfqId = Number(new URL(page.url()).pathname.split('/').pop())
        assert.equal((await page.getByTestId('rfq-status').innerText()).trim(), '报价中')
        assert.deepEqual(problems, [])
      } finally {
        await context.close()
      }
    }
    {
      const { context, page, problems } = await newPage()
      try {
        await login(page, 'supplier')
        await page.goto('/supplier/rfqs')
        await page.getByTestId(`rfq-row-${rfqId}`).click()
        await page.waitForURL((u) => u.pathname === `/supplier/rfqs/${rfqId}`)
        await page.getByTestId('quote-price-1').fill('12.50')
        await page.getByTestId('quote-terms').fill('含运费，冷链配送')
        assert.match(await page.getByTestId('quote-total').innerText(), /¥1,?250\.00/)
        await page.getByTestId('quote-submit').click()
        await page.locator('.el-tag', { hasText: '已报价' }).first().waitFor({ state: 'visible' })
        assert.deepEqual(problems, [])
      } finally {
        await context.close()
      }
    }
    {
      const { context, page, problems } = await newPage()
      try {
        await login(page, 'buyer')
        await page.goto(`/unit/rfqs/${rfqId}`)
        const quote = page.getByTestId('rfq-quote').first()
        await quote.waitFor({ state: 'visible' })
        assert.match(await quote.innerText(), /¥1,?250\.00/)
        await quote.locator('[data-testid^="rfq-accept-"]').click()
        await page.getByTestId('award-contact').fill('王主任')
        await page.getByTestId('award-phone').fill('13800138000')
        await page.getByTestId('award-address').fill('深圳市福田区福中三路1号 食堂仓库')
        await page.getByTestId('award-submit').click()
        await page.waitForURL((u) => /^\/unit\/orders\/\d+$/.test(u.pathname))
        const lines = await page.getByTestId('proc-lines').innerText()
        assert.match(lines, /土鸡蛋/)
        assert.match(lines, /¥12\.50/)
        assert.deepEqual(problems, [])
      } finally {
        await context.close()
      }
    }
  })

  test("the unit admin sets the payment term and an approval rule; the buyer only reads them", async () => {
    {
      const { context, page, problems } = await newPage()
      try {
        await login(page, 'unit_admin')
        await page.goto('/unit/settings')
        await page.getByTestId('settings-rule').first().waitFor({ state: 'visible' })
        const before = await page.getByTestId('settings-rule').count()
        await page.getByTestId('settings-term').locator('input').fill('45')
        await page.getByTestId('settings-add-rule').click()
        await page.getByTestId(`settings-rule-amount-${before}`).fill('80000')
        await page.getByTestId('settings-save').click()
        await page.locator('.el-message', { hasText: '已保存' }).waitFor({ state: 'visible' })
        await page.reload()
        await page.getByTestId('settings-rule').nth(before).waitFor({ state: 'visible' })
        assert.equal(await page.getByTestId('settings-term').locator('input').inputValue(), '45')
        // the term cannot go above the statutory 60 days
        await page.getByTestId('settings-term').locator('input').fill('90')
        await page.getByTestId('settings-term').locator('input').blur()
        assert.equal(await page.getByTestId('settings-term').locator('input').inputValue(), '60')
        assert.deepEqual(problems, [])
      } finally {
        await context.close()
      }
    }
    const { context, page } = await newPage()
    try {
      await login(page, 'buyer')
      await page.goto('/unit/settings')
      await page.getByTestId('settings-rule').first().waitFor({ state: 'visible' })
      assert.equal(await page.getByTestId('settings-save').count(), 0)
    } finally {
      await context.close()
    }
  })
}
