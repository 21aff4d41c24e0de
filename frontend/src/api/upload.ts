// Multipart uploads through the typed client (so they carry the CSRF token and end in the
// same ApiError handling). The OpenAPI document describes these bodies only in prose.
import { api, unwrap } from './client'
import type { DocumentInfo, DocumentKind, FieldCode, ImageInfo } from './types'
import { fieldErrorsOf, toApiError } from './errors'

const asIs = (body: unknown) => body as FormData

/** POST /api/media/images (field `file`): a product photo or zone banner. */
export function uploadImage(file: Blob, filename = 'image'): Promise<ImageInfo> {
  const form = new FormData()
  form.append('file', file, file instanceof File ? file.name : filename)
  return unwrap(api.POST('/api/media/images', { body: form, bodySerializer: asIs }))
}

/** POST /api/orgs/{org_id}/documents (fields `kind`, `file`). */
export function uploadDocument(orgId: number, kind: DocumentKind, file: File): Promise<DocumentInfo> {
  const form = new FormData()
  form.append('kind', kind)
  form.append('file', file, file.name)
  return unwrap(api.POST('/api/orgs/{org_id}/documents', { params: { path: { org_id: orgId } }, body: form, bodySerializer: asIs }))
}

/** POST /api/unions/{union_id}/roster/imports (fields `file`, `dry_run`): starts an import (202). */
export function uploadRoster(unionId: number, file: File, dryRun: boolean) {
  const form = new FormData()
  form.append('file', file, file.name)
  form.append('dry_run', dryRun ? 'true' : 'false')
  return unwrap(api.POST('/api/unions/{union_id}/roster/imports', { params: { path: { union_id: unionId } }, body: form as never, bodySerializer: asIs }))
}

/** Image upload failures the server names (422 `details.fields.file[].code`, or 413). */
export const IMAGE_ERROR_CODES = [
  'image_unsupported_format',
  'image_trailing_data',
  'image_dimensions_too_large',
  'image_undecodable',
  'image_too_large',
] as const satisfies readonly FieldCode[]
export type ImageErrorCode = (typeof IMAGE_ERROR_CODES)[number]

/** Which image problem a failed upload reports, if it is one of the known ones. */
export function imageUploadErrorCode(e: unknown): ImageErrorCode | null {
  const known = (c: unknown): c is ImageErrorCode => typeof c === 'string' && (IMAGE_ERROR_CODES as readonly string[]).includes(c)
  const fieldCode = fieldErrorsOf(e).file?.[0]?.code
  if (known(fieldCode)) return fieldCode
  const err = toApiError(e)
  if (known(err.code)) return err.code
  if (err.status === 413 || err.code === 'payload_too_large') return 'image_too_large'
  return null
}

/** The server's limit for uploads, checked before sending. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024
