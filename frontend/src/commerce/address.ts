// The shipping address form: client-side checks that mirror the server's (so that a member
// hears about a typo at once), and the request body. Field names are the API's
// (`address.phone`), so that server and local errors show in the same place.
import type { ShippingAddress } from '@/api/types'

export interface AddressForm {
  recipient: string
  phone: string
  province_code: string
  city_code: string
  district_code: string
  detail: string
}

export function emptyAddress(): AddressForm {
  return { recipient: '', phone: '', province_code: '', city_code: '', district_code: '', detail: '' }
}

const chars = (s: string) => [...s.trim()].length

/** A mainland mobile number as the server reads it: spaces, dashes, +86 / 86 allowed. */
export function normalizePhone(text: string): string | null {
  let d = text.trim().replace(/^\+/, '').replace(/[\s-]/g, '')
  if (d.length === 13 && d.startsWith('86')) d = d.slice(2)
  return /^1[3-9]\d{9}$/.test(d) ? d : null
}

/**
 * Problems with the form, field -> i18n key (empty when fine). `districtRequired`: the chosen
 * city has districts, so one must be picked.
 */
export function validateAddress(a: AddressForm, districtRequired: boolean): Record<string, string> {
  const out: Record<string, string> = {}
  const r = chars(a.recipient)
  if (r === 0) out['address.recipient'] = 'address.errors.recipientRequired'
  else if (r > 30) out['address.recipient'] = 'address.errors.recipientLength'
  if (a.phone.trim() === '') out['address.phone'] = 'address.errors.phoneRequired'
  else if (!normalizePhone(a.phone)) out['address.phone'] = 'address.errors.phoneFormat'
  if (!a.province_code) out['address.province_code'] = 'address.errors.regionRequired'
  else if (!a.city_code) out['address.city_code'] = 'address.errors.regionRequired'
  else if (districtRequired && !a.district_code) out['address.district_code'] = 'address.errors.districtRequired'
  const d = chars(a.detail)
  if (d === 0) out['address.detail'] = 'address.errors.detailRequired'
  else if (d < 4 || d > 120) out['address.detail'] = 'address.errors.detailLength'
  return out
}

/** The API's Address (trimmed; the phone as digits; no district when the city has none). */
export function toShippingAddress(a: AddressForm): ShippingAddress {
  return {
    recipient: a.recipient.trim(),
    phone: normalizePhone(a.phone) ?? a.phone.trim(),
    province_code: a.province_code,
    city_code: a.city_code,
    district_code: a.district_code || null,
    detail: a.detail.trim(),
  }
}

const REGION_KEY = 'bangfu.lastRegion'
type RegionCodes = Pick<AddressForm, 'province_code' | 'city_code' | 'district_code'>

/**
 * The region last chosen at checkout, remembered on this device to save the three pickers next
 * time. Only the region codes: name, phone and street stay off the device.
 */
export function loadLastRegion(): RegionCodes | null {
  try {
    const raw = globalThis.localStorage?.getItem(REGION_KEY)
    if (!raw) return null
    const v = JSON.parse(raw) as Partial<RegionCodes>
    const ok = (x: unknown) => typeof x === 'string' && /^\d{0,12}$/.test(x)
    if (!ok(v.province_code) || !ok(v.city_code) || !ok(v.district_code)) return null
    return { province_code: v.province_code!, city_code: v.city_code!, district_code: v.district_code! }
  } catch {
    return null
  }
}

export function saveLastRegion(a: AddressForm): void {
  try {
    const codes: RegionCodes = { province_code: a.province_code, city_code: a.city_code, district_code: a.district_code }
    globalThis.localStorage?.setItem(REGION_KEY, JSON.stringify(codes))
  } catch {
    // storage unavailable
  }
}
