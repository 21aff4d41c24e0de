//! The reporting context's stored vocabulary (`entities::VOCABULARY`).

use crate::vocab::text_enum;

text_enum! {
    /// What a completion fact records.
    FactSource {
        /// A completed institutional order line.
        BulkOrderLine = "bulk_order_line",
        /// A return after completion (negative).
        Adjustment = "adjustment",
        /// A red invoice (negative).
        RedInvoice = "red_invoice",
        /// A verified off-platform declaration.
        Offplatform = "offplatform",
        /// A union's purchase.
        UnionOrder = "union_order",
        /// A staff purchase attributed to the unit.
        StaffOrder = "staff_order",
    }
}

text_enum! {
    /// Where the money was spent.
    Channel {
        /// Institutional orders on the platform.
        Institutional = "institutional",
        /// Declared purchases made elsewhere.
        Offplatform = "offplatform",
        /// Union purchases.
        Union = "union",
        /// Staff purchases.
        Staff = "staff",
    }
}
