// The product editor's form: what it starts from (empty or a ManagedProduct), and the
// ProductInput it sends, with the checks that can be made before asking the server. The error
// keys are the API's field names (`skus[0].price_fen`), so server and local errors show alike.
import type { ManagedProduct, ProductInput, SkuInput, Storage } from '@/api/types'
import type { ManagedImage } from './media'
import { toDescriptionHtml } from './richtext'
import { validateTiers, type TierDraft, type TierIssueCode } from './tiers'

export interface SkuRow {
  /** Local key for rendering. */
  key: number
  /** Existing SKU id; null for a new one. */
  id: number | null
  spec: string
  price_fen: number | null
  unit: string
  weight_grams: number | null
  min_order_qty: number | null
  /** New SKUs: initial stock. Existing: the current stock (changed with the stock endpoint). */
  stock: number | null
  tiers: TierDraft[]
}

export interface ProductForm {
  category_id: number | null
  name: string
  subtitle: string
  description: string
  storage: Storage
  shelf_life_days: number | null
  images: ManagedImage[]
  trace_base: string
  trace_batch: string
  trace_harvest_date: string | null
  skus: SkuRow[]
}

let nextKey = 1

export function emptySku(): SkuRow {
  return { key: nextKey++, id: null, spec: '', price_fen: null, unit: '', weight_grams: null, min_order_qty: 1, stock: 0, tiers: [] }
}

export function emptyForm(): ProductForm {
  return {
    category_id: null,
    name: '',
    subtitle: '',
    description: '',
    storage: 'ambient',
    shelf_life_days: null,
    images: [],
    trace_base: '',
    trace_batch: '',
    trace_harvest_date: null,
    skus: [emptySku()],
  }
}

export function formFromProduct(p: ManagedProduct): ProductForm {
  return {
    category_id: p.category_id,
    name: p.name,
    subtitle: p.subtitle ?? '',
    description: p.description_html,
    storage: p.storage,
    shelf_life_days: p.shelf_life_days,
    // image_hashes and images are in the same (display) order
    images: p.image_hashes.map((hash, i) => ({ hash, urls: p.images[i] ?? [] })),
    trace_base: p.trace.base ?? '',
    trace_batch: p.trace.batch ?? '',
    trace_harvest_date: p.trace.harvest_date ?? null,
    skus: p.skus.map((s) => ({
      key: nextKey++,
      id: s.id,
      spec: s.spec,
      price_fen: s.price_fen,
      unit: s.unit,
      weight_grams: s.weight_grams,
      min_order_qty: s.min_order_qty,
      stock: s.stock,
      tiers: s.tiers.map((t) => ({ min_qty: t.min_qty, price_fen: t.price_fen })),
    })),
  }
}

/** Local problems, by API field name; the value is a message key (or a tier issue code). */
export type FormProblems = Record<string, string>

const blankToNull = (s: string): string | null => (s.trim() === '' ? null : s.trim())

/** The tier problems of one SKU row, by `skus[i].tiers[j].<field>`. */
export function tierProblems(row: SkuRow, i: number): Record<string, TierIssueCode> {
  const out: Record<string, TierIssueCode> = {}
  for (const issue of validateTiers(row.price_fen, row.tiers)) {
    out[`skus[${i}].tiers[${issue.index}].${issue.field}`] ??= issue.code
  }
  return out
}

/**
 * The body for POST /api/suppliers/{org_id}/products or PUT /api/manage/products/{id}, or the
 * problems that keep it from being sent. Only what the server cannot do better is checked here
 * (missing values, unparsed prices, tier order); lengths and ranges are left to its 422.
 */
export function formToInput(f: ProductForm): { ok: true; input: ProductInput } | { ok: false; problems: FormProblems } {
  const problems: FormProblems = {}
  if (f.category_id == null) problems.category_id = 'required'
  if (!f.name.trim()) problems.name = 'required'
  if (f.shelf_life_days == null) problems.shelf_life_days = 'required'
  if (!f.skus.length) problems.skus = 'no_skus'
  f.skus.forEach((row, i) => {
    if (!row.spec.trim()) problems[`skus[${i}].spec`] = 'required'
    if (row.price_fen == null) problems[`skus[${i}].price_fen`] = 'required'
    if (!row.unit.trim()) problems[`skus[${i}].unit`] = 'required'
    if (row.weight_grams == null) problems[`skus[${i}].weight_grams`] = 'required'
    const tiers = tierProblems(row, i)
    if (Object.keys(tiers).length) {
      problems[`skus[${i}].tiers`] = Object.values(tiers)[0]!
      Object.assign(problems, tiers)
    }
  })
  if (Object.keys(problems).length) return { ok: false, problems }

  const skus: SkuInput[] = f.skus.map((row) => {
    const sku: SkuInput = {
      spec: row.spec.trim(),
      price_fen: row.price_fen!,
      unit: row.unit.trim(),
      weight_grams: row.weight_grams!,
      min_order_qty: row.min_order_qty ?? 1,
      tiers: row.tiers.map((t) => ({ min_qty: t.min_qty!, price_fen: t.price_fen! })),
    }
    if (row.id != null) sku.id = row.id
    else sku.stock = row.stock ?? 0
    return sku
  })
  return {
    ok: true,
    input: {
      category_id: f.category_id!,
      name: f.name.trim(),
      subtitle: blankToNull(f.subtitle),
      description_html: toDescriptionHtml(f.description),
      storage: f.storage,
      shelf_life_days: f.shelf_life_days!,
      images: f.images.map((i) => i.hash),
      trace_base: blankToNull(f.trace_base),
      trace_batch: blankToNull(f.trace_batch),
      trace_harvest_date: f.trace_harvest_date || null,
      skus,
    },
  }
}
