//! Product statuses, storage conditions, zone rules.

use crate::vocab::text_enum;

text_enum! {
    /// Where a product stands.
    ProductStatus {
        /// Being written by the supplier.
        Draft = "draft",
        /// Waiting for an operator.
        PendingReview = "pending_review",
        /// In the shop.
        Listed = "listed",
        /// Refused by an operator, with a reason; may be corrected and submitted again.
        Rejected = "rejected",
        /// Taken out of the shop.
        Delisted = "delisted",
    }
}

text_enum! {
    /// Storage condition.
    Storage {
        /// 常温.
        Ambient = "ambient",
        /// 冷藏.
        Chilled = "chilled",
        /// 冷冻.
        Frozen = "frozen",
    }
}

text_enum! {
    /// What a zone selects.
    ZoneRule {
        /// Products from a region (province, city or county code), e.g. 广西馆, 百色专区.
        Region = "region",
        /// Products from partner counties of a programme.
        Programme = "programme",
        /// Products holding a valid certificate of a kind, e.g. 圳品专区.
        Certificate = "certificate",
    }
}
