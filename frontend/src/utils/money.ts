// Money is integer fen (CNY minor units) everywhere in the API. People read and type yuan.
// Conversions work on strings and integers only: no floating point ever touches an amount
// ("12.3" -> 1230, never 12.3 * 100 = 1229.9999999999998).

/** The API's ceiling for a unit price (1,000,000 yuan), in fen. */
export const MAX_PRICE_FEN = 100_000_000

function splitFen(fen: number): { sign: string; yuan: string; cents: string } {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not an integer amount of fen: ${fen}`)
  const abs = Math.abs(fen)
  const yuan = Math.floor(abs / 100) // exact: abs is a safe integer
  const cents = abs % 100
  return { sign: fen < 0 ? '-' : '', yuan: String(yuan), cents: String(cents).padStart(2, '0') }
}

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** 1230 -> "12.30": the value an editor shows in a yuan input. */
export function fenToYuan(fen: number): string {
  const { sign, yuan, cents } = splitFen(fen)
  return `${sign}${yuan}.${cents}`
}

/** 1230 -> "¥12.30", 123456789 -> "¥1,234,567.89", -50 -> "-¥0.50". */
export function formatFen(fen: number): string {
  const { sign, yuan, cents } = splitFen(fen)
  return `${sign}¥${group(yuan)}.${cents}`
}

/** "¥12.30" or "¥12.30 – ¥19.80" for a product's SKU price range. */
export function formatFenRange(min: number, max: number): string {
  return min === max ? formatFen(min) : `${formatFen(min)} – ${formatFen(max)}`
}

export type YuanParse =
  | { ok: true; fen: number }
  | { ok: false; reason: 'empty' | 'format' | 'decimals' | 'too_large' }

const FULLWIDTH_DIGIT = /[\uFF10-\uFF19]/g

/**
 * Parses what a person typed as yuan into fen: "12", "12.3", "12.30", ".5", "¥12.3" and
 * full-width "１２．３" are accepted; more than two decimals, signs, separators and exponents
 * are not (rejected rather than rounded, so that nobody is charged what they did not type).
 */
export function parseYuan(input: string): YuanParse {
  const s = input
    .replace(FULLWIDTH_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/\uFF0E|\u3002/g, '.') // full-width full stop, ideographic full stop
    .trim()
    .replace(/^[¥￥]\s*/, '')
  if (s === '') return { ok: false, reason: 'empty' }
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s)
  if (!m) return { ok: false, reason: 'format' }
  const whole = m[1] ?? ''
  const frac = m[2] ?? ''
  if (whole === '' && frac === '') return { ok: false, reason: 'format' } // "." alone
  if (frac.length > 2) return { ok: false, reason: 'decimals' }
  const digits = (whole.replace(/^0+(?=\d)/, '') || '0') + frac.padEnd(2, '0')
  if (digits.length > 15) return { ok: false, reason: 'too_large' } // beyond safe integers
  const fen = Number(digits)
  if (!Number.isSafeInteger(fen)) return { ok: false, reason: 'too_large' }
  return { ok: true, fen }
}

/** parseYuan without the reason: fen, or null when the text is not an amount. */
export function yuanToFen(input: string): number | null {
  const r = parseYuan(input)
  return r.ok ? r.fen : null
}
