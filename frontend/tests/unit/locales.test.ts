import { describe, expect, it } from 'vitest'
import zhCN from '@/locales/zh-CN'
import en from '@/locales/en'

function flatten(obj: Record<string, unknown>, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (v && typeof v === 'object') {
      for (const [kk, vv] of flatten(v as Record<string, unknown>, key)) out.set(kk, vv)
    } else {
      out.set(key, String(v))
    }
  }
  return out
}

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

describe('locales', () => {
  const zh = flatten(zhCN)
  const enFlat = flatten(en)

  it('zh-CN and en have exactly the same keys', () => {
    expect([...enFlat.keys()].sort()).toEqual([...zh.keys()].sort())
  })

  it('no message is empty', () => {
    for (const [k, v] of [...zh, ...enFlat]) expect(v.trim(), k).not.toBe('')
  })

  it('translations use the same placeholders', () => {
    for (const [k, v] of zh) expect(placeholders(enFlat.get(k) ?? ''), k).toEqual(placeholders(v))
  })

  it('has a label and a home title for every role', async () => {
    const { ALL_ROLES } = await import('@/router/roles')
    for (const role of ALL_ROLES) {
      expect(zh.has(`roles.${role}`), role).toBe(true)
      expect(zh.has(`home.${role}`), role).toBe(true)
    }
  })
})
