// Vant's function-style feedback (toast, confirm dialog) with their styles: the on-demand
// resolver only sees components used in templates. Shop and member pages only.
import { closeToast, showConfirmDialog, showFailToast, showImagePreview, showSuccessToast, showToast } from 'vant'
import 'vant/es/toast/style'
import 'vant/es/dialog/style'
import 'vant/es/image-preview/style'

// Whether the toast on screen is an error: errors belong to the page that made them and are
// closed when the user goes elsewhere; a success toast may follow the user to the next page.
let failing = false

export function toastSuccess(message: string): void {
  failing = false
  showSuccessToast({ message, duration: 2500 })
}

export function toastFail(message: string): void {
  failing = true
  showFailToast({ message, duration: 3500, onClose: () => (failing = false) })
}

export function toastInfo(message: string): void {
  failing = false
  showToast({ message, duration: 3000 })
}

/** Closes an error toast still on screen (called when the route changes). */
export function closeFailToast(): void {
  if (failing) closeToast()
  failing = false
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
