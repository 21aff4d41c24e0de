// Image renditions from the backend: each image is a list of sizes (240/480/960 px long edge),
// each as WebP and JPEG. Pure helpers for <picture> and for finding an image's hash again.
import type { ImageUrls } from '@/api/types'

/** "url 240w, url 480w, url 960w" for one format. */
export function srcsetOf(urls: readonly ImageUrls[] | null | undefined, format: 'webp' | 'jpg'): string {
  if (!urls?.length) return ''
  return [...urls]
    .sort((a, b) => a.size - b.size)
    .map((u) => `${u[format]} ${u.size}w`)
    .join(', ')
}

/** The smallest rendition at least `min` px (or the largest there is). */
export function pickSize(urls: readonly ImageUrls[] | null | undefined, min: number): ImageUrls | null {
  if (!urls?.length) return null
  const sorted = [...urls].sort((a, b) => a.size - b.size)
  return sorted.find((u) => u.size >= min) ?? sorted[sorted.length - 1] ?? null
}

/**
 * The content hash in a media URL (`/media/<hash>/480.webp`). Zones carry their banner only
 * as URLs, while ZoneInput wants the hash back.
 */
export function hashFromMediaUrl(url: string | null | undefined): string | null {
  const m = url ? /\/media\/([0-9a-f]{16,128})\//i.exec(url) : null
  return m ? m[1]!.toLowerCase() : null
}

/** Moves the item at `from` by `delta` places (clamped); returns a new array. */
export function moveItem<T>(list: readonly T[], from: number, delta: number): T[] {
  const to = Math.max(0, Math.min(list.length - 1, from + delta))
  if (from < 0 || from >= list.length || to === from) return [...list]
  const out = [...list]
  const [item] = out.splice(from, 1)
  out.splice(to, 0, item as T)
  return out
}

/** An uploaded image in an editor: its hash (what the API stores) and URLs (for previews). */
export interface ManagedImage {
  hash: string
  urls: ImageUrls[]
}
