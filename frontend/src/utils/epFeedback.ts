// Element Plus's function-style feedback (message, confirm box) with their styles: the on-demand
// resolver only sees components used in templates. Back-office pages only.
import { ElMessage, ElMessageBox } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'

export function notifySuccess(message: string): void {
  ElMessage({ type: 'success', message, showClose: true })
}

export function notifyError(message: string): void {
  ElMessage({ type: 'error', message, showClose: true, duration: 6000 })
}

/** true when confirmed, false when cancelled or closed. */
export async function confirmAction(message: string, title: string, labels: { confirm: string; cancel: string }): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, { confirmButtonText: labels.confirm, cancelButtonText: labels.cancel, type: 'warning' })
    return true
  } catch {
    return false
  }
}

/** The text typed, or null when cancelled or closed. */
export async function promptText(message: string, title: string, labels: { confirm: string; cancel: string }, initial = ''): Promise<string | null> {
  try {
    const { value } = await ElMessageBox.prompt(message, title, { confirmButtonText: labels.confirm, cancelButtonText: labels.cancel, inputValue: initial })
    return typeof value === 'string' ? value : null
  } catch {
    return null
  }
}
