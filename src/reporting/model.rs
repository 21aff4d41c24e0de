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

/// A channel is part of the summaries' composite key; sea-orm asks every key column to be
/// convertible from an auto-increment id, which a word never is.
impl sea_orm::TryFromU64 for Channel {
    fn try_from_u64(_: u64) -> Result<Self, sea_orm::DbErr> {
        Err(sea_orm::DbErr::ConvertFromU64("Channel"))
    }
}
