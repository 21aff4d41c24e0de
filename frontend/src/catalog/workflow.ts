// Which actions each review state allows, mirroring the backend's state machines (a wrong
// guess only costs a 409 invalid_state, which the pages show). Pure.
import type { ProductStatus, SupplierStatus } from '@/api/types'

export type SupplierAction = 'recommend' | 'approve' | 'reject' | 'suspend' | 'reinstate'

export interface ActionSpec<A extends string> {
  action: A
  /** The server refuses the action without a reason. */
  reasonRequired: boolean
}

/** Operator actions on a supplier application. */
export function supplierActions(status: SupplierStatus): ActionSpec<SupplierAction>[] {
  switch (status) {
    case 'submitted':
      return [
        { action: 'recommend', reasonRequired: true },
        { action: 'reject', reasonRequired: true },
      ]
    case 'recommended':
      return [
        { action: 'approve', reasonRequired: false },
        { action: 'reject', reasonRequired: true },
      ]
    case 'approved':
      return [{ action: 'suspend', reasonRequired: true }]
    case 'suspended':
      return [{ action: 'reinstate', reasonRequired: false }]
    case 'draft':
    case 'rejected':
      return []
  }
}

/** The supplier may change (and submit) its application. */
export function applicationEditable(status: SupplierStatus): boolean {
  return status === 'draft' || status === 'rejected'
}

/** What the supplier may do with a product in each state. */
export function productActions(status: ProductStatus): { edit: boolean; submit: boolean; delist: boolean; qr: boolean } {
  return {
    edit: status !== 'pending_review',
    submit: status === 'draft' || status === 'rejected' || status === 'delisted',
    delist: status === 'listed',
    qr: status === 'listed',
  }
}
