// Idempotency keys for claims and checkouts: one per button press, reused by retries of that
// press, so that a request repeated after a lost answer is not carried out twice.
import { NETWORK_ERROR, toApiError } from '@/api/errors'

/** A random UUID (v4). */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  const b = new Uint8Array(16)
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(b)
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256)
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/**
 * Runs `call` with one key; when the answer is lost (network error) it tries again, up to
 * `attempts` times in all, with the same key: the server answers a repeat with the first result.
 */
export async function withIdempotentRetry<T>(
  call: (key: string) => Promise<T>,
  { attempts = 3, delayMs = 600, key = newIdempotencyKey() }: { attempts?: number; delayMs?: number; key?: string } = {},
): Promise<T> {
  let last: unknown
  for (let i = 0; i < attempts; i++) {
    try {
      return await call(key)
    } catch (e) {
      last = e
      if (toApiError(e).code !== NETWORK_ERROR || i === attempts - 1) throw e
      await new Promise((r) => setTimeout(r, delayMs * (i + 1)))
    }
  }
  throw last
}
