import { describe, expect, it } from 'vitest'
import { emptyForm, emptySku, formFromProduct, formToInput, type ProductForm } from '@/catalog/productForm'
import type { ManagedProduct } from '@/api/types'

function filled(): ProductForm {
  const f = emptyForm()
  f.category_id = 36
  f.name = ' 高山土蜂蜜 '
  f.shelf_life_days = 720
  f.description = '纯天然\n\n无添加'
  f.images = [{ hash: 'h2', urls: [] }, { hash: 'h1', urls: [] }]
  f.trace_batch = ' '
  f.skus[0] = { ...f.skus[0]!, spec: '500g/瓶', price_fen: 1230, unit: '瓶', weight_grams: 500, stock: 10, tiers: [{ min_qty: 10, price_fen: 1100 }] }
  return f
}

describe('formToInput', () => {
  it('builds the ProductInput (fen, trimmed, images in order, new SKU with stock)', () => {
    const r = formToInput(filled())
    expect(r).toEqual({
      ok: true,
      input: {
        category_id: 36,
        name: '高山土蜂蜜',
        subtitle: null,
        description_html: '<p>纯天然</p><p>无添加</p>',
        storage: 'ambient',
        shelf_life_days: 720,
        images: ['h2', 'h1'],
        trace_base: null,
        trace_batch: null,
        trace_harvest_date: null,
        skus: [{ spec: '500g/瓶', price_fen: 1230, unit: '瓶', weight_grams: 500, min_order_qty: 1, stock: 10, tiers: [{ min_qty: 10, price_fen: 1100 }] }],
      },
    })
  })

  it('sends an existing SKU by id, without stock (that has its own endpoint)', () => {
    const f = filled()
    f.skus[0]!.id = 7
    const r = formToInput(f)
    expect(r.ok && r.input.skus[0]).toEqual({ id: 7, spec: '500g/瓶', price_fen: 1230, unit: '瓶', weight_grams: 500, min_order_qty: 1, tiers: [{ min_qty: 10, price_fen: 1100 }] })
  })

  it('names missing values and bad tiers by their API field', () => {
    const f = emptyForm()
    f.skus.push({ ...emptySku(), spec: 'x', price_fen: 1000, unit: '箱', weight_grams: 1, tiers: [{ min_qty: 5, price_fen: 1200 }] })
    const r = formToInput(f)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.problems).toMatchObject({
      category_id: 'required',
      name: 'required',
      shelf_life_days: 'required',
      'skus[0].spec': 'required',
      'skus[0].price_fen': 'required',
      'skus[1].tiers': 'price_not_below_unit',
      'skus[1].tiers[0].price_fen': 'price_not_below_unit',
    })
  })

  it('wants at least one SKU', () => {
    const f = filled()
    f.skus = []
    expect(formToInput(f)).toEqual({ ok: false, problems: { skus: 'no_skus' } })
  })
})

describe('formFromProduct', () => {
  it('pairs image hashes with their renditions and keeps SKU ids', () => {
    const urls = [{ size: 240, webp: '/media/a/240.webp', jpg: '/media/a/240.jpg' }]
    const p = {
      category_id: 36,
      name: 'n',
      subtitle: null,
      description_html: '<p>d</p>',
      storage: 'chilled',
      shelf_life_days: 30,
      image_hashes: ['a'],
      images: [urls],
      trace: { base: 'b', batch: null, harvest_date: '2026-10-01' },
      skus: [{ id: 9, spec: 's', price_fen: 500, unit: '箱', weight_grams: 1000, stock: 3, min_order_qty: 2, tiers: [] }],
    } as unknown as ManagedProduct
    const f = formFromProduct(p)
    expect(f.images).toEqual([{ hash: 'a', urls }])
    expect(f.skus[0]).toMatchObject({ id: 9, price_fen: 500, stock: 3, min_order_qty: 2 })
    expect(f.trace_harvest_date).toBe('2026-10-01')
    const r = formToInput(f)
    expect(r.ok && r.input.description_html).toBe('<p>d</p>')
  })
})
