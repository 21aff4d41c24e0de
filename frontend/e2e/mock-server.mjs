#!/usr/bin/env node
// A small stand-in for the Bangfu backend, implementing the frontend's API contract
// (openapi.json) in memory, for developing pages and running the browser tests before the
// real server exists. Not a reference for business rules.
//
//   node e2e/mock-server.mjs [--port 18080] [--host 127.0.0.1] [--dist dist] [--no-static]
//
// Serves /api/*, /healthz and, unless --no-static, the built frontend from dist/ with SPA
// fallback, like the real backend. Demo logins (password `bangfu-demo`): operator, union_admin,
// member (or phone 13800001234), unit_admin, buyer, approver, supplier, supplier_staff,
// regulator, district_officer, and multi (buyer + member, to see the role picker).
// Five wrong passwords for one login within 5 minutes give 429 rate_limited with Retry-After.
import { createServer } from 'node:http'
import { randomBytes, randomUUID } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '18080' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    dist: { type: 'string', default: fileURLToPath(new URL('../dist', import.meta.url)) },
    'no-static': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
})

const PASSWORD = 'bangfu-demo'
const SESSION_COOKIE = 'bangfu_session'
const SESSION_TTL_MS = 12 * 3600 * 1000
const MAX_FAILURES = 5
const FAILURE_WINDOW_MS = 5 * 60 * 1000

// [code, name, level, parent_code, poverty_lifted, key_assistance, old_revolutionary]
const REGIONS = [
  ["440000", "广东省", "province", null, false, false, false],
  ["450000", "广西壮族自治区", "province", null, false, false, false],
  ["360000", "江西省", "province", null, false, false, false],
  ["440300", "深圳市", "city", "440000", false, false, false],
  ["440303", "罗湖区", "district", "440300", false, false, false],
  ["440304", "福田区", "district", "440300", false, false, false],
  ["440305", "南山区", "district", "440300", false, false, false],
  ["440306", "宝安区", "district", "440300", false, false, false],
  ["440307", "龙岗区", "district", "440300", false, false, false],
  ["440308", "盐田区", "district", "440300", false, false, false],
  ["440309", "龙华区", "district", "440300", false, false, false],
  ["440310", "坪山区", "district", "440300", false, false, false],
  ["440311", "光明区", "district", "440300", false, false, false],
  ["441900", "东莞市", "city", "440000", false, false, false],
  ["440200", "韶关市", "city", "440000", false, false, false],
  ["440203", "武江区", "county", "440200", false, false, false],
  ["440204", "浈江区", "county", "440200", false, false, false],
  ["440205", "曲江区", "county", "440200", false, false, false],
  ["440222", "始兴县", "county", "440200", false, false, false],
  ["440224", "仁化县", "county", "440200", false, false, false],
  ["440229", "翁源县", "county", "440200", false, false, false],
  ["440232", "乳源瑶族自治县", "county", "440200", false, false, false],
  ["440233", "新丰县", "county", "440200", false, false, false],
  ["440281", "乐昌市", "county", "440200", false, false, false],
  ["440282", "南雄市", "county", "440200", false, false, false],
  ["441500", "汕尾市", "city", "440000", false, false, true],
  ["441502", "城区", "county", "441500", false, false, true],
  ["441521", "海丰县", "county", "441500", false, false, true],
  ["441523", "陆河县", "county", "441500", false, false, true],
  ["441581", "陆丰市", "county", "441500", false, false, true],
  ["450100", "南宁市", "city", "450000", false, false, false],
  ["450123", "隆安县", "county", "450100", true, false, false],
  ["450124", "马山县", "county", "450100", true, false, false],
  ["450125", "上林县", "county", "450100", true, false, false],
  ["450300", "桂林市", "city", "450000", false, false, false],
  ["450328", "龙胜各族自治县", "county", "450300", true, false, false],
  ["450329", "资源县", "county", "450300", true, false, false],
  ["451000", "百色市", "city", "450000", false, false, true],
  ["451003", "田阳区", "county", "451000", true, false, true],
  ["451022", "田东县", "county", "451000", true, false, true],
  ["451024", "德保县", "county", "451000", true, false, true],
  ["451026", "那坡县", "county", "451000", true, false, true],
  ["451027", "凌云县", "county", "451000", true, false, true],
  ["451028", "乐业县", "county", "451000", true, false, true],
  ["451029", "田林县", "county", "451000", true, false, true],
  ["451030", "西林县", "county", "451000", true, false, true],
  ["451031", "隆林各族自治县", "county", "451000", true, false, true],
  ["451081", "靖西市", "county", "451000", true, false, true],
  ["451200", "河池市", "city", "450000", false, false, false],
  ["451223", "凤山县", "county", "451200", true, false, false],
  ["451224", "东兰县", "county", "451200", true, false, false],
  ["451225", "罗城仫佬族自治县", "county", "451200", true, false, false],
  ["451226", "环江毛南族自治县", "county", "451200", true, false, false],
  ["451227", "巴马瑶族自治县", "county", "451200", true, false, false],
  ["451228", "都安瑶族自治县", "county", "451200", true, false, false],
  ["451229", "大化瑶族自治县", "county", "451200", true, false, false],
  ["360700", "赣州市", "city", "360000", false, false, true],
  ["360702", "章贡区", "county", "360700", false, false, true],
  ["360703", "南康区", "county", "360700", false, false, true],
  ["360722", "信丰县", "county", "360700", false, false, true],
  ["360723", "大余县", "county", "360700", false, false, true],
  ["360726", "安远县", "county", "360700", false, false, true],
  ["360730", "宁都县", "county", "360700", false, false, true],
  ["360731", "于都县", "county", "360700", false, false, true],
  ["360732", "兴国县", "county", "360700", false, false, true],
  ["360734", "寻乌县", "county", "360700", false, false, true],
  ["360783", "龙南市", "county", "360700", false, false, true],
]

// [helper_code, helper_name, partner_code, partner_name, programme, valid_from]
const PAIRINGS = [
  ["440304", "福田区", "450124", "马山县", "east_west", "2021-01-01"],
  ["440304", "福田区", "450125", "上林县", "east_west", "2021-01-01"],
  ["440304", "福田区", "450123", "隆安县", "east_west", "2021-01-01"],
  ["440305", "南山区", "450328", "龙胜各族自治县", "east_west", "2021-01-01"],
  ["440305", "南山区", "450329", "资源县", "east_west", "2021-01-01"],
  ["440306", "宝安区", "451226", "环江毛南族自治县", "east_west", "2021-01-01"],
  ["440309", "龙华区", "451225", "罗城仫佬族自治县", "east_west", "2021-01-01"],
  ["440310", "坪山区", "451024", "德保县", "east_west", "2021-01-01"],
  ["440311", "光明区", "451003", "田阳区", "east_west", "2021-01-01"],
  ["440300", "深圳市", "451022", "田东县", "east_west", "2021-01-01"],
  ["440300", "深圳市", "451026", "那坡县", "east_west", "2021-01-01"],
  ["440300", "深圳市", "451027", "凌云县", "east_west", "2021-01-01"],
  ["440300", "深圳市", "451028", "乐业县", "east_west", "2021-01-01"],
  ["440300", "深圳市", "451029", "田林县", "east_west", "2021-01-01"],
  ["440300", "深圳市", "451030", "西林县", "east_west", "2021-01-01"],
  ["440300", "深圳市", "451031", "隆林各族自治县", "east_west", "2021-01-01"],
  ["440300", "深圳市", "451081", "靖西市", "east_west", "2021-01-01"],
  ["440300", "深圳市", "451223", "凤山县", "east_west", "2021-01-01"],
  ["440300", "深圳市", "451224", "东兰县", "east_west", "2021-01-01"],
  ["440300", "深圳市", "451227", "巴马瑶族自治县", "east_west", "2021-01-01"],
  ["440300", "深圳市", "451228", "都安瑶族自治县", "east_west", "2021-01-01"],
  ["440300", "深圳市", "451229", "大化瑶族自治县", "east_west", "2021-01-01"],
  ["440304", "福田区", "360732", "兴国县", "old_revolutionary", "2023-05-26"],
  ["440303", "罗湖区", "360730", "宁都县", "old_revolutionary", "2023-05-26"],
  ["440308", "盐田区", "360703", "南康区", "old_revolutionary", "2023-05-26"],
  ["440305", "南山区", "360702", "章贡区", "old_revolutionary", "2023-05-26"],
  ["440306", "宝安区", "360722", "信丰县", "old_revolutionary", "2023-05-26"],
  ["440307", "龙岗区", "360734", "寻乌县", "old_revolutionary", "2023-05-26"],
  ["440309", "龙华区", "360726", "安远县", "old_revolutionary", "2023-05-26"],
  ["440310", "坪山区", "360731", "于都县", "old_revolutionary", "2023-05-26"],
  ["440311", "光明区", "360783", "龙南市", "old_revolutionary", "2023-05-26"],
  ["440300", "深圳市", "441500", "汕尾市", "old_revolutionary", "2023-05-26"],
  ["440300", "深圳市", "451000", "百色市", "old_revolutionary", "2023-05-26"],
  ["441900", "东莞市", "440200", "韶关市", "in_province", "2022-01-01"],
]

// ---- organisations and users -------------------------------------------------------------
const t0 = '2026-01-05T02:00:00Z'
const ORGS = [
  { id: 1, kind: 'platform', name: '帮扶平台运营中心', status: 'active', uscc: null, region_code: '440300', region_name: '深圳市', category: null, helper_district_code: null, parent_id: null, created_at: t0 },
  { id: 2, kind: 'union', name: '深圳市总工会', status: 'active', uscc: '81440300MC0000001X', region_code: '440300', region_name: '深圳市', category: null, helper_district_code: null, parent_id: null, created_at: t0 },
  { id: 3, kind: 'union', name: '福田区总工会', status: 'active', uscc: null, region_code: '440304', region_name: '福田区', category: null, helper_district_code: null, parent_id: 2, created_at: t0 },
  { id: 4, kind: 'budget_unit', name: '深圳市福田区教育局', status: 'active', uscc: '11440304MB2C00001A', region_code: '440304', region_name: '福田区', category: '机关', helper_district_code: '440304', parent_id: null, created_at: t0 },
  { id: 5, kind: 'budget_unit', name: '深圳市第二人民医院', status: 'active', uscc: '12440300455755000B', region_code: '440300', region_name: '深圳市', category: '医院', helper_district_code: null, parent_id: null, created_at: t0 },
  { id: 6, kind: 'supplier', name: '马山县黑山羊养殖专业合作社', status: 'approved', uscc: '93450124MA5N000010', region_code: '450124', region_name: '马山县', category: '畜牧', helper_district_code: null, parent_id: null, created_at: t0 },
  { id: 7, kind: 'supplier', name: '百色芒果产销有限公司', status: 'pending', uscc: '91451000MA5K000020', region_code: '451003', region_name: '田阳区', category: '水果', helper_district_code: null, parent_id: null, created_at: t0 },
  { id: 8, kind: 'jurisdiction', name: '深圳市财政局', status: 'active', uscc: null, region_code: '440300', region_name: '深圳市', category: null, helper_district_code: null, parent_id: null, created_at: t0 },
  { id: 9, kind: 'helper_district', name: '福田区乡村振兴和协作交流局', status: 'active', uscc: null, region_code: '440304', region_name: '福田区', category: null, helper_district_code: '440304', parent_id: null, created_at: t0 },
]
// Padding so that the operator's organisation list has more than one page.
for (let i = 0; i < 60; i++) {
  ORGS.push({ id: 100 + i, kind: 'budget_unit', name: `深圳市演示预算单位${String(i + 1).padStart(2, '0')}`, status: 'active', uscc: null, region_code: '440300', region_name: '深圳市', category: '学校', helper_district_code: null, parent_id: null, created_at: t0 })
}

const USERS = [
  { id: 1, username: 'operator', display_name: '平台运营 张敏', phone: '13800000001', roles: [['operator', 1]] },
  { id: 2, username: 'union_admin', display_name: '工会管理员 李华', phone: '13800000002', roles: [['union_admin', 2]] },
  { id: 3, username: 'member', display_name: '王芳', phone: '13800001234', roles: [['member', 2]] },
  { id: 4, username: 'unit_admin', display_name: '单位管理员 陈刚', phone: null, roles: [['unit_admin', 4]] },
  { id: 5, username: 'buyer', display_name: '采购员 刘洋', phone: '13800000005', roles: [['buyer', 4]] },
  { id: 6, username: 'approver', display_name: '审批人 赵丽', phone: '13800000006', roles: [['approver', 4]] },
  { id: 7, username: 'supplier', display_name: '供应商 黄强', phone: '13800000007', roles: [['supplier_admin', 6]] },
  { id: 8, username: 'supplier_staff', display_name: '供应商员工 周杰', phone: null, roles: [['supplier_staff', 6]] },
  { id: 9, username: 'regulator', display_name: '财政局 吴静', phone: null, roles: [['regulator', 8]] },
  { id: 10, username: 'district_officer', display_name: '福田区干部 郑伟', phone: null, roles: [['district_officer', 9]] },
  { id: 11, username: 'multi', display_name: '多角色 孙悦', phone: '13800000011', roles: [['buyer', 5], ['member', 3]] },
]
for (let i = 0; i < 25; i++) {
  USERS.push({ id: 200 + i, username: null, display_name: `会员${i + 1}`, phone: `1390000${String(1000 + i)}`, roles: [['member', 2]] })
}

const ADMIN_ROLES = new Set(['union_admin', 'unit_admin', 'supplier_admin'])
const orgById = new Map(ORGS.map((o) => [o.id, o]))
const maskPhone = (p) => (p ? `${p.slice(0, 3)}****${p.slice(-4)}` : null)

function meOf(user, session) {
  return {
    user: { id: user.id, username: user.username, display_name: user.display_name, phone_masked: maskPhone(user.phone) },
    roles: user.roles.map(([role, orgId]) => {
      const o = orgById.get(orgId)
      return { role, org: { id: o.id, name: o.name, kind: o.kind } }
    }),
    csrf_token: session.csrf,
  }
}

// ---- state ---------------------------------------------------------------------------------
const sessions = new Map() // token -> { userId, csrf, expires }
const failures = new Map() // login -> [timestamps]
const audit = [
  { id: 1, at: '2026-01-05T02:00:00Z', actor_name: '系统', action: 'seed.import', entity_type: 'region', entity_id: '450124', reason: '初始化地区数据', request_id: null },
  { id: 2, at: '2026-01-06T03:10:00Z', actor_name: '平台运营 张敏', action: 'supplier.approve', entity_type: 'org', entity_id: '6', reason: '资料齐全，县级推荐', request_id: 'req-seed-2' },
]
function record(actor, action, entityType, entityId, reason, requestId) {
  audit.push({ id: audit.length + 1, at: new Date().toISOString(), actor_name: actor, action, entity_type: entityType, entity_id: String(entityId), reason, request_id: requestId })
}

// ---- http helpers --------------------------------------------------------------------------
function send(res, status, body, headers = {}) {
  const payload = body === undefined ? '' : JSON.stringify(body)
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
    'Cache-Control': 'no-store',
    ...headers,
  })
  res.end(payload)
}
function fail(res, status, code, message, details = null, headers = {}) {
  send(res, status, { error: { code, message, details, request_id: res.requestId } }, headers)
}
function cookies(req) {
  const out = {}
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim())
  }
  return out
}
async function readJson(req) {
  const chunks = []
  for await (const c of req) chunks.push(c)
  const raw = Buffer.concat(chunks).toString('utf8')
  if (!raw) return null
  try {
    return JSON.parse(raw)
  } catch {
    return undefined
  }
}
/** Cursor pagination over an array: the cursor is the offset, opaque to the client. */
function page(items, url, defaultLimit = 20) {
  const limit = Math.min(200, Math.max(1, Number(url.searchParams.get('limit') ?? defaultLimit) || defaultLimit))
  const cursor = url.searchParams.get('cursor')
  const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) || 0 : 0
  const slice = items.slice(start, start + limit)
  const next = start + limit < items.length ? Buffer.from(String(start + limit)).toString('base64url') : null
  return { items: slice, next_cursor: next }
}

function authenticate(req) {
  const c = cookies(req)
  let token = c[SESSION_COOKIE]
  let viaCookie = true
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) {
    token = auth.slice(7)
    viaCookie = false
  }
  const s = token && sessions.get(token)
  if (!s || s.expires < Date.now()) return null
  return { token, session: s, user: USERS.find((u) => u.id === s.userId), viaCookie }
}

// ---- routes --------------------------------------------------------------------------------
async function api(req, res, url) {
  const method = req.method ?? 'GET'
  const path = url.pathname

  if (path === '/api/auth/login' && method === 'POST') {
    const body = await readJson(req)
    if (!body || typeof body.login !== 'string' || typeof body.password !== 'string') {
      return fail(res, 400, 'invalid_body', 'Expected {"login": string, "password": string}.')
    }
    const login = body.login.trim()
    const now = Date.now()
    const recent = (failures.get(login) ?? []).filter((t) => now - t < FAILURE_WINDOW_MS)
    if (recent.length >= MAX_FAILURES) {
      const retry = Math.ceil((recent[0] + FAILURE_WINDOW_MS - now) / 1000)
      return fail(res, 429, 'rate_limited', 'Too many login attempts.', { retry_after_secs: retry }, { 'Retry-After': String(retry) })
    }
    const user = USERS.find((u) => u.username === login || (u.phone && u.phone === login))
    if (!user || body.password !== PASSWORD) {
      recent.push(now)
      failures.set(login, recent)
      return fail(res, 401, 'invalid_credentials', 'Wrong login or password.')
    }
    failures.delete(login)
    const token = randomBytes(24).toString('base64url')
    const session = { userId: user.id, csrf: randomBytes(16).toString('base64url'), expires: now + SESSION_TTL_MS }
    sessions.set(token, session)
    record(user.display_name, 'auth.login', 'user', user.id, null, res.requestId)
    return send(
      res,
      200,
      { token, expires_at: new Date(session.expires).toISOString(), me: meOf(user, session) },
      { 'Set-Cookie': `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_TTL_MS / 1000}` },
    )
  }

  // The public catalogue, empty: enough for the shop and the member home to render. The
  // catalogue's browser test (e2e/catalog.test.mjs) needs the real backend.
  if (method === 'GET' && (path === '/api/categories' || path === '/api/zones')) return send(res, 200, { items: [] })
  if (method === 'GET' && path === '/api/products') {
    return send(res, 200, { items: [], next_cursor: null, total: 0, facets: { categories: [], regions: [], certificates: [], programmes: [] } })
  }

  const auth = authenticate(req)
  if (!auth) return fail(res, 401, 'unauthenticated', 'Not logged in.')
  if (auth.viaCookie && !['GET', 'HEAD', 'OPTIONS'].includes(method)) {
    if (req.headers['x-csrf-token'] !== auth.session.csrf) return fail(res, 403, 'csrf_rejected', 'Missing or wrong X-CSRF-Token.')
  }
  const { user } = auth
  const roleSet = new Set(user.roles.map(([r]) => r))
  const isOperator = roleSet.has('operator')

  if (path === '/api/auth/logout' && method === 'POST') {
    sessions.delete(auth.token)
    return send(res, 204, undefined, { 'Set-Cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` })
  }
  if (path === '/api/me' && method === 'GET') return send(res, 200, meOf(user, auth.session))

  if (path === '/api/orgs' && method === 'GET') {
    const kind = url.searchParams.get('kind')
    const q = url.searchParams.get('q')?.trim()
    const own = new Set(user.roles.map(([, id]) => id))
    const items = ORGS.filter((o) => (isOperator || own.has(o.id)) && (!kind || o.kind === kind) && (!q || o.name.includes(q) || (o.uscc ?? '').includes(q)))
    return send(res, 200, page(items, url))
  }

  const m = path.match(/^\/api\/orgs\/(\d+)\/members$/)
  if (m && method === 'GET') {
    const orgId = Number(m[1])
    if (!orgById.has(orgId)) return fail(res, 404, 'not_found', 'No such organisation.')
    const mayList = isOperator || user.roles.some(([r, id]) => id === orgId && ADMIN_ROLES.has(r))
    if (!mayList) return fail(res, 403, 'forbidden', 'Only the organisation’s administrators may list its members.')
    const items = USERS.filter((u) => u.roles.some(([, id]) => id === orgId)).map((u) => ({
      user_id: u.id,
      display_name: u.display_name,
      username: u.username,
      phone_masked: maskPhone(u.phone),
      roles: u.roles.filter(([, id]) => id === orgId).map(([r]) => r),
      status: 'active',
    }))
    return send(res, 200, page(items, url))
  }

  if (path === '/api/regions' && method === 'GET') {
    const level = url.searchParams.get('level')
    const parent = url.searchParams.get('parent')
    const items = REGIONS.filter(([, , l, p]) => (!level || l === level) && (!parent || p === parent)).map(
      ([code, name, l, p, poverty_lifted, key_assistance, old_revolutionary]) => ({ code, name, level: l, parent_code: p, poverty_lifted, key_assistance, old_revolutionary }),
    )
    return send(res, 200, { items })
  }

  if (path === '/api/pairings' && method === 'GET') {
    const helper = url.searchParams.get('helper')
    const partner = url.searchParams.get('partner')
    const programme = url.searchParams.get('programme')
    const items = PAIRINGS.map(([helper_code, helper_name, partner_code, partner_name, prog, valid_from], i) => ({
      id: i + 1, helper_code, helper_name, partner_code, partner_name, programme: prog, valid_from, valid_to: null,
    })).filter((p) => (!helper || p.helper_code === helper) && (!partner || p.partner_code === partner) && (!programme || p.programme === programme))
    return send(res, 200, { items })
  }

  if (path === '/api/audit' && method === 'GET') {
    if (!isOperator) return fail(res, 403, 'forbidden', 'Only the operator may read the audit log.')
    const et = url.searchParams.get('entity_type')
    const eid = url.searchParams.get('entity_id')
    const items = [...audit].reverse().filter((a) => (!et || a.entity_type === et) && (!eid || a.entity_id === eid))
    return send(res, 200, page(items, url, 50))
  }

  return fail(res, 404, 'not_found', `No route ${method} ${path}.`)
}

// ---- static files ---------------------------------------------------------------------------
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ico': 'image/x-icon' }
const distRoot = resolve(args.dist)

async function serveStatic(req, res, url) {
  if (args['no-static']) return fail(res, 404, 'not_found', 'Static files are off (--no-static).')
  let rel = decodeURIComponent(url.pathname)
  let file = normalize(join(distRoot, rel))
  if (!file.startsWith(distRoot + sep) && file !== distRoot) return fail(res, 400, 'bad_path', 'Bad path.')
  let info = await stat(file).catch(() => null)
  if (!info || info.isDirectory()) {
    // SPA fallback: unknown paths get index.html; missing assets stay 404.
    if (rel.startsWith('/assets/')) return fail(res, 404, 'not_found', 'No such asset.')
    file = join(distRoot, 'index.html')
    info = await stat(file).catch(() => null)
    if (!info) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' })
      return res.end(`No frontend build at ${distRoot}: run \`npm run build\` first.\n`)
    }
  }
  const body = await readFile(file)
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
  })
  res.end(req.method === 'HEAD' ? undefined : body)
}

// ---- server ---------------------------------------------------------------------------------
const server = createServer(async (req, res) => {
  res.requestId = randomUUID()
  res.setHeader('X-Request-Id', res.requestId)
  const url = new URL(req.url ?? '/', 'http://localhost')
  const started = Date.now()
  try {
    if (url.pathname === '/healthz') send(res, 200, { status: 'ok' })
    else if (url.pathname === '/api' || url.pathname.startsWith('/api/')) await api(req, res, url)
    else await serveStatic(req, res, url)
  } catch (e) {
    console.error(e)
    if (!res.headersSent) fail(res, 500, 'internal', 'Internal error.')
  } finally {
    if (!args.quiet) console.log(`${req.method} ${url.pathname}${url.search} -> ${res.statusCode} (${Date.now() - started} ms)`)
  }
})

server.listen(Number(args.port), args.host, () => {
  const addr = server.address()
  // with-mock.mjs reads this line to learn the port.
  console.log(`bangfu mock server listening on http://${args.host}:${addr.port}`)
})

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)))
