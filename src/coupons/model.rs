//! Campaign and coupon vocabulary.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::vocab::text_enum;

text_enum! {
    /// Where a campaign stands. `scheduled` becomes `running` and `ended` by the calendar.
    CampaignStatus {
        /// Being written.
        Draft = "draft",
        /// Published; claiming opens on the start date.
        Scheduled = "scheduled",
        /// Between its start and end dates.
        Running = "running",
        /// Past its end date.
        Ended = "ended",
        /// Cancelled by the union.
        Cancelled = "cancelled",
    }
}

text_enum! {
    /// How members get coupons.
    ClaimMode {
        /// Timed drops: a daily quantity at a daily time, first come first served.
        Drop = "drop",
        /// Issued directly to every member of the audience (a background job).
        Direct = "direct",
    }
}

text_enum! {
    /// Who may claim.
    AudienceKind {
        /// Every verified member of the union (and of its district unions).
        All = "all",
        /// Members of the given roster segments (e.g. `new_member`).
        Segment = "segment",
        /// Members working in the given work units.
        WorkUnits = "work_units",
    }
}

text_enum! {
    /// How long a coupon is valid.
    ValidityKind {
        /// A fixed window of dates.
        Fixed = "fixed",
        /// N days from the claim.
        Relative = "relative",
    }
}

text_enum! {
    /// Where a coupon stands.
    CouponStatus {
        /// May be used.
        Available = "available",
        /// Held by an order awaiting payment.
        Held = "held",
        /// Spent.
        Used = "used",
        /// Past its validity unused.
        Expired = "expired",
    }
}

text_enum! {
    /// Whether a roster entry is a current member.
    RosterStatus {
        /// On the union's current roster.
        Active = "active",
        /// Missing from the last full import: no longer a member.
        Left = "left",
    }
}

text_enum! {
    /// Where a roster import stands.
    ImportStatus {
        /// Uploaded; waiting for the worker.
        Pending = "pending",
        /// Being processed (shown while the worker reports progress; the row stays `pending`
        /// until it finishes).
        Running = "running",
        /// Finished (the report is complete).
        Done = "done",
        /// Refused as a whole (e.g. an unreadable file).
        Failed = "failed",
    }
}

/// Which products a coupon applies to. Empty lists mean "no restriction".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Only products that count as assistance purchases (消费帮扶产品).
    #[serde(default = "yes")]
    pub assistance_only: bool,
    /// Only products of these zones (slugs).
    #[serde(default)]
    pub zones: Vec<String>,
    /// Only products from these regions (county or city codes).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Only products of these categories (ids, top level or second level).
    #[serde(default)]
    pub categories: Vec<i64>,
    /// Only products of these suppliers.
    #[serde(default)]
    pub suppliers: Vec<i64>,
}

fn yes() -> bool {
    true
}
