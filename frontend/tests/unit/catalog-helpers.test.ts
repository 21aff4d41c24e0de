import { describe, expect, it } from 'vitest'
import type { Category } from '@/api/types'
import { cascaderPath, findCategory, isProductCategory } from '@/catalog/categories'
import { hashFromMediaUrl, moveItem, pickSize, srcsetOf } from '@/catalog/media'
import { looksLikeHtml, toDescriptionHtml, wrapSelection } from '@/catalog/richtext'
import { applicationEditable, productActions, supplierActions } from '@/catalog/workflow'
import { fieldErrorsOf, localizeServerText, parseApiError } from '@/api/errors'

const cat = (id: number, children: Category[] = []): Category => ({ id, slug: `c${id}`, name: `类${id}`, name_en: `C${id}`, children })
const tree = [cat(1, [cat(2), cat(3)]), cat(10, [cat(11)])]

describe('categories', () => {
  it('finds categories and their parents', () => {
    expect(findCategory(tree, 3)?.parent?.id).toBe(1)
    expect(findCategory(tree, 10)?.parent).toBeNull()
    expect(findCategory(tree, 99)).toBeNull()
    expect(cascaderPath(tree, 11)).toEqual([10, 11])
    expect(cascaderPath(tree, 1)).toEqual([1])
  })

  it('accepts only second-level categories for products', () => {
    expect(isProductCategory(tree, 2)).toBe(true)
    expect(isProductCategory(tree, 1)).toBe(false)
    expect(isProductCategory(tree, null)).toBe(false)
  })
})

describe('media', () => {
  const urls = [960, 240, 480].map((size) => ({ size, webp: `/media/ab12cd34ef56ab78/${size}.webp`, jpg: `/media/ab12cd34ef56ab78/${size}.jpg` }))
  it('builds srcsets, smallest first', () => {
    expect(srcsetOf(urls, 'webp')).toBe('/media/ab12cd34ef56ab78/240.webp 240w, /media/ab12cd34ef56ab78/480.webp 480w, /media/ab12cd34ef56ab78/960.webp 960w')
    expect(srcsetOf(null, 'jpg')).toBe('')
    expect(pickSize(urls, 300)?.size).toBe(480)
    expect(pickSize(urls, 2000)?.size).toBe(960)
  })

  it('recovers the hash of a media URL', () => {
    expect(hashFromMediaUrl('/media/AB12cd34ef56ab78/480.webp')).toBe('ab12cd34ef56ab78')
    expect(hashFromMediaUrl('/elsewhere/x.png')).toBeNull()
  })

  it('moves images', () => {
    expect(moveItem(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c'])
    expect(moveItem(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b'])
    expect(moveItem(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c'])
  })
})

describe('description', () => {
  it('wraps the selection in tags', () => {
    expect(wrapSelection('产地直发', 2, 4, '<b>', '</b>')).toEqual({ text: '产地<b>直发</b>', selectionStart: 5, selectionEnd: 7 })
  })

  it('turns plain paragraphs into escaped HTML and leaves markup alone', () => {
    expect(toDescriptionHtml('第一段\n第二行\n\n<第二段> & 更多')).toBe('<p>第一段<br>第二行</p><p>&lt;第二段&gt; &amp; 更多</p>')
    expect(toDescriptionHtml('<p>已有</p>')).toBe('<p>已有</p>')
    expect(looksLikeHtml('1 < 2')).toBe(false)
  })
})

describe('workflow', () => {
  it('offers the operator the actions of each application state', () => {
    expect(supplierActions('submitted').map((a) => a.action)).toEqual(['recommend', 'reject'])
    expect(supplierActions('recommended')).toEqual([
      { action: 'approve', reasonRequired: false },
      { action: 'reject', reasonRequired: true },
    ])
    expect(supplierActions('approved')).toEqual([{ action: 'suspend', reasonRequired: true }])
    expect(supplierActions('draft')).toEqual([])
    expect(applicationEditable('rejected')).toBe(true)
    expect(applicationEditable('submitted')).toBe(false)
  })

  it('lets the supplier edit anything but a product under review', () => {
    expect(productActions('pending_review')).toEqual({ edit: false, submit: false, delist: false, qr: false })
    expect(productActions('listed')).toEqual({ edit: true, submit: false, delist: true, qr: true })
    expect(productActions('rejected').submit).toBe(true)
  })
})

describe('server messages', () => {
  it('shows the half of a bilingual message that fits the language', () => {
    expect(localizeServerText('库存不足 / not enough stock', 'zh-CN')).toBe('库存不足')
    expect(localizeServerText('库存不足 / not enough stock', 'en')).toBe('not enough stock')
    expect(localizeServerText('a / b', 'en')).toBe('a / b')
  })

  it('reads field errors of a 422', () => {
    const e = parseApiError(422, {
      error: {
        code: 'validation_failed',
        message: '输入有误 / invalid',
        details: { fields: { 'skus[0].price_fen': [{ code: 'out_of_range', message: '价格 / price' }], bad: 'x' } },
        request_id: 'r',
      },
    })
    expect(fieldErrorsOf(e)).toEqual({ 'skus[0].price_fen': [{ code: 'out_of_range', message: '价格 / price' }] })
    expect(fieldErrorsOf(new Error('x'))).toEqual({})
  })
})
