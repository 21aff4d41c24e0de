import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/errors'
import { MAX_UPLOAD_BYTES } from '@/api/upload'
import { MAX_REFUND_PHOTOS, PHOTO_ACCEPT, photoHashes, photoProblem, photosUploading, refundPhotos, screenPhotos, uploadProblemKey } from '@/commerce/refundPhotos'

const file = (name: string, type: string, size = 1000) => ({ name, type, size })
const urls = (hash: string) => [240, 480, 960].map((size) => ({ size, webp: `/media/${hash}/${size}.webp`, jpg: `/media/${hash}/${size}.jpg` }))

describe('refund photos before upload', () => {
  it('takes the image types the server decodes, up to 10 MB', () => {
    expect(PHOTO_ACCEPT).toBe('image/jpeg,image/png,image/webp')
    expect(photoProblem(file('a.jpg', 'image/jpeg'))).toBeNull()
    expect(photoProblem(file('a.webp', 'image/webp', MAX_UPLOAD_BYTES))).toBeNull()
    expect(photoProblem(file('a.png', 'image/png', MAX_UPLOAD_BYTES + 1))).toBe('image_too_large')
    expect(photoProblem(file('a.heic', 'image/heic'))).toBe('image_unsupported_format')
    expect(photoProblem(file('a.pdf', 'application/pdf'))).toBe('image_unsupported_format')
    expect(photoProblem(file('noname', ''))).toBe('image_unsupported_format')
  })

  it('splits a choice into files to upload, refused files and those beyond the room left', () => {
    const choice = [file('1.jpg', 'image/jpeg'), file('x.gif', 'image/gif'), file('2.png', 'image/png'), file('big.jpg', 'image/jpeg', MAX_UPLOAD_BYTES * 2), file('3.jpg', 'image/jpeg')]
    const { accepted, refused, over } = screenPhotos(choice, 2)
    expect(accepted.map((f) => f.name)).toEqual(['1.jpg', '2.png'])
    expect(refused.map((r) => [r.file.name, r.problem])).toEqual([
      ['x.gif', 'image_unsupported_format'],
      ['big.jpg', 'image_too_large'],
    ])
    expect(over).toBe(1)
    expect(screenPhotos(choice, 0).accepted).toEqual([])
    expect(screenPhotos(choice, -3).over).toBe(3)
  })

  it('names the image problem of a failed upload', () => {
    const fieldError = new ApiError({ status: 422, code: 'validation_failed', message: 'x', details: { fields: { file: [{ code: 'image_trailing_data', message: 'x' }] } }, requestId: null })
    expect(uploadProblemKey(fieldError)).toBe('media.errors.image_trailing_data')
    expect(uploadProblemKey(new ApiError({ status: 413, code: 'payload_too_large', message: 'x', details: null, requestId: null }))).toBe('media.errors.image_too_large')
    expect(uploadProblemKey(new ApiError({ status: 429, code: 'rate_limited', message: 'x', details: null, requestId: null }))).toBeNull()
  })
})

describe('refund photos in a request', () => {
  it('sends the uploaded hashes once each, in order, at most nine', () => {
    const items = [{ status: 'done' as const, hash: 'a' }, { status: 'failed' as const }, { status: 'uploading' as const }, { status: 'done' as const, hash: 'b' }, { status: 'done' as const, hash: 'a' }]
    expect(photoHashes(items)).toEqual(['a', 'b'])
    expect(photosUploading(items)).toBe(true)
    expect(photosUploading(items.filter((i) => i.status !== 'uploading'))).toBe(false)
    const many = Array.from({ length: 12 }, (_, i) => ({ status: 'done' as const, hash: `h${i}` }))
    expect(photoHashes(many)).toHaveLength(MAX_REFUND_PHOTOS)
    expect(photoHashes([])).toEqual([])
  })

  it('shows a refund photo as a small thumbnail that opens large', () => {
    const photos = refundPhotos({ photo_urls: [urls('aa'), [], urls('bb')] })
    expect(photos.map((p) => [p.thumb, p.full])).toEqual([
      ['/media/aa/240.jpg', '/media/aa/960.jpg'],
      ['/media/bb/240.jpg', '/media/bb/960.jpg'],
    ])
    expect(photos[0]!.urls).toHaveLength(3)
    expect(refundPhotos({ photo_urls: [] })).toEqual([])
  })
})
