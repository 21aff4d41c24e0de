// Vant's function-style feedback (toast, confirm dialog) with their styles: the on-demand
// resolver only sees components used in templates. Shop and member pages only.
import { showConfirmDialog, showFailToast, showImagePreview, showSuccessToast, showToast } from 'vant'
import 'vant/es/toast/style'
import 'vant/es/dialog/style'
import 'vant/es/image-preview/style'

export function toastSuccess(message: string): void {
  showSuccessToast({ message, duration: 2500 })
}

export function toastFail(message: string): void {
  showFailToast({ message, duration: 3500 })
}

export function toastInfo(message: string): void {
  showToast({ message, duration: 3000 })
}

/** true when confirmed, false when cancelled. */
export async function confirmVant(message: string, title?: string): Promise<boolean> {
  try {
    await showConfirmDialog({ title, message })
    return true
  } catch {
    return false
  }
}

/** Full-screen photos, swiping from the one at `start`. */
export function previewImages(images: string[], start = 0): void {
  showImagePreview({ images, startPosition: start, closeable: true })
}
