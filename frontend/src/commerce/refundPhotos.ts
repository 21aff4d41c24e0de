// Refund photos: which chosen files may be uploaded, the hashes a request sends, and the
// renditions a refund shows back. Pure; messages are i18n keys.
import type { ImageUrls, Refund } from '@/api/types'
import { MAX_UPLOAD_BYTES, imageUploadErrorCode } from '@/api/upload'
import { pickSize } from '@/catalog/media'

/** The server takes at most nine photos per request. */
export const MAX_REFUND_PHOTOS = 9
/** What the server decodes (anything else is refused as an unsupported format). */
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const
/** The `accept` attribute of the file input. */
export const PHOTO_ACCEPT = PHOTO_TYPES.join(',')

/** Why a chosen file is not uploaded (an i18n key under `media.errors`). */
export type PhotoProblem = 'image_unsupported_format' | 'image_too_large'

/** The checks made before sending: an image type the server reads, and within the size limit. */
export function photoProblem(file: Pick<File, 'size' | 'type'>): PhotoProblem | null {
  if (!(PHOTO_TYPES as readonly string[]).includes(file.type)) return 'image_unsupported_format'
  if (file.size > MAX_UPLOAD_BYTES) return 'image_too_large'
  return null
}

/**
 * Splits the chosen files into those to upload (up to `room` of them, the places left) and the
 * refused ones with their reason; files beyond the room are counted in `over`.
 */
export function screenPhotos<F extends Pick<File, 'size' | 'type'>>(files: readonly F[], room: number): { accepted: F[]; refused: { file: F; problem: PhotoProblem }[]; over: number } {
  const accepted: F[] = []
  const refused: { file: F; problem: PhotoProblem }[] = []
  let over = 0
  for (const file of files) {
    const problem = photoProblem(file)
    if (problem) refused.push({ file, problem })
    else if (accepted.length < Math.max(0, room)) accepted.push(file)
    else over++
  }
  return { accepted, refused, over }
}

/** The i18n key of a failed upload's image problem (`media.errors.<code>`), if the server named one. */
export function uploadProblemKey(e: unknown): string | null {
  const code = imageUploadErrorCode(e)
  return code ? `media.errors.${code}` : null
}

/** A photo in the uploader: Vant's item with the hash once the server has it. */
export interface PhotoSlot {
  status?: '' | 'uploading' | 'done' | 'failed'
  hash?: string
}

/** The hashes to send: uploaded photos only, each once, in order, at most nine. */
export function photoHashes(items: readonly PhotoSlot[]): string[] {
  const out: string[] = []
  for (const i of items) {
    if (i.status === 'done' && i.hash && !out.includes(i.hash)) out.push(i.hash)
  }
  return out.slice(0, MAX_REFUND_PHOTOS)
}

/** Whether an upload is still running (the request waits for it). */
export function photosUploading(items: readonly PhotoSlot[]): boolean {
  return items.some((i) => i.status === 'uploading')
}

/** One photo of a refund to show: the renditions for a thumbnail and the large one to open. */
export interface RefundPhoto {
  urls: ImageUrls[]
  thumb: string
  full: string
}

/** The photos of a refund, in the member's order. */
export function refundPhotos(r: Pick<Refund, 'photo_urls'>): RefundPhoto[] {
  return r.photo_urls
    .filter((urls) => urls.length > 0)
    .map((urls) => ({ urls, thumb: pickSize(urls, 240)?.jpg ?? '', full: pickSize(urls, 960)?.jpg ?? '' }))
}
