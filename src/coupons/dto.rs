//! JSON in and out of the coupon endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{AudienceKind, CampaignStatus, ClaimMode, CouponStatus, Scope, ValidityKind};
use crate::money::Money;

/// A campaign as written by a union admin.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    /// Name, e.g. 2026年冬季消费帮扶券.
    pub name: String,
    /// Face value (减), fen.
    pub face_value_fen: Money,
    /// Minimum eligible spend (满), fen; 0 for none.
    pub min_spend_fen: Money,
    /// Coupons in all.
    pub total_quantity: i64,
    /// Budget, fen: at least face value x total quantity.
    pub budget_fen: Money,
    /// Coupons one member may hold in all.
    pub per_member_limit: i32,
    /// Coupons one member may claim per day.
    pub per_member_daily_limit: i32,
    /// Who may claim.
    pub audience_kind: AudienceKind,
    /// Segments or work units, for those audiences.
    #[serde(default)]
    pub audience_values: Vec<String>,
    /// Timed drops or direct issuance.
    pub claim_mode: ClaimMode,
    /// Drops: coupons per day.
    pub daily_quantity: Option<i64>,
    /// Drops: opening time each day, `HH:MM` Asia/Shanghai.
    pub drop_time: Option<String>,
    /// Drops: unclaimed coupons of a day are added to the next day's.
    #[serde(default)]
    pub rollover: bool,
    /// Fixed window or N days after claim.
    pub validity_kind: ValidityKind,
    /// Fixed window start.
    pub valid_from: Option<NaiveDate>,
    /// Fixed window end.
    pub valid_to: Option<NaiveDate>,
    /// Days after claim.
    pub valid_days: Option<i32>,
    /// Which products the coupon applies to.
    #[serde(default)]
    pub scope: Scope,
    /// First day of claiming.
    pub starts_on: NaiveDate,
    /// Last day of claiming.
    pub ends_on: NaiveDate,
}

/// A campaign.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Campaign {
    /// Id.
    pub id: i64,
    /// Funding union.
    pub union_org_id: i64,
    /// Name.
    pub name: String,
    /// Face value, fen.
    pub face_value_fen: Money,
    /// Minimum eligible spend, fen.
    pub min_spend_fen: Money,
    /// Coupons in all.
    pub total_quantity: i64,
    /// Budget, fen.
    pub budget_fen: Money,
    /// Per-member limit.
    pub per_member_limit: i32,
    /// Per-member daily limit.
    pub per_member_daily_limit: i32,
    /// Audience.
    pub audience_kind: AudienceKind,
    /// Audience values.
    pub audience_values: Vec<String>,
    /// Claim mode.
    pub claim_mode: ClaimMode,
    /// Drops: per day.
    pub daily_quantity: Option<i64>,
    /// Drops: opening time.
    pub drop_time: Option<String>,
    /// Drops: rollover.
    pub rollover: bool,
    /// Validity kind.
    pub validity_kind: ValidityKind,
    /// Fixed start.
    pub valid_from: Option<NaiveDate>,
    /// Fixed end.
    pub valid_to: Option<NaiveDate>,
    /// Relative days.
    pub valid_days: Option<i32>,
    /// Scope.
    pub scope: Scope,
    /// First claim day.
    pub starts_on: NaiveDate,
    /// Last claim day.
    pub ends_on: NaiveDate,
    /// Status (by the calendar once published).
    pub status: CampaignStatus,
    /// Coupons issued so far.
    pub issued_count: i64,
}

/// Campaigns.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignList {
    /// Campaigns, newest first.
    pub items: Vec<Campaign>,
}

/// A campaign as the claim center shows it to a member.
#[derive(Debug, Serialize, ToSchema)]
pub struct Claimable {
    /// The campaign.
    pub campaign: Campaign,
    /// Today's drop opens at (UTC); null for direct issuance.
    pub opens_at: Option<DateTime<Utc>>,
    /// Coupons left today (drops) or in all.
    pub remaining: i64,
    /// Coupons this member holds of it.
    pub claimed_by_me: i64,
    /// Whether the member may claim now (and why not).
    pub state: ClaimState,
}

/// The claim center.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimCenter {
    /// Claimable and upcoming campaigns.
    pub items: Vec<Claimable>,
    /// Server time, for countdowns.
    pub now: DateTime<Utc>,
}

/// Why a claim can or cannot be made now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimState {
    /// Claimable now.
    Open,
    /// Today's drop has not opened yet.
    NotStarted,
    /// Today's drop is gone.
    SoldOut,
    /// The member holds the limit.
    LimitReached,
    /// The campaign is over.
    Ended,
    /// Not in the audience.
    NotEligible,
}

/// A coupon.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Coupon {
    /// Id.
    pub id: i64,
    /// Campaign.
    pub campaign_id: i64,
    /// Campaign name.
    pub campaign_name: String,
    /// Face value, fen.
    pub face_value_fen: Money,
    /// Minimum spend, fen.
    pub min_spend_fen: Money,
    /// Status.
    pub status: CouponStatus,
    /// Valid from.
    pub valid_from: DateTime<Utc>,
    /// Valid until.
    pub valid_until: DateTime<Utc>,
    /// Claimed.
    pub claimed_at: DateTime<Utc>,
    /// Scope.
    pub scope: Scope,
}

/// A member's coupons.
#[derive(Debug, Serialize, ToSchema)]
pub struct CouponList {
    /// Coupons, newest first.
    pub items: Vec<Coupon>,
}

/// Filters for the wallet.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CouponQuery {
    /// Only this status.
    pub status: Option<CouponStatus>,
}

/// Claim statistics of a campaign.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignStats {
    /// Campaign.
    pub campaign_id: i64,
    /// Planned coupons.
    pub total_quantity: i64,
    /// Claimed (issued) coupons.
    pub issued: i64,
    /// Spent.
    pub used: i64,
    /// Held by unpaid orders.
    pub held: i64,
    /// Lapsed unused.
    pub expired: i64,
    /// Coupon value redeemed net of refunds, fen.
    pub redeemed_fen: Money,
    /// used / issued (0-1, four decimals as text to avoid floats in money reports).
    pub redemption_ratio: String,
    /// Per day.
    pub by_day: Vec<DayStats>,
}

/// One day of statistics.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayStats {
    /// Day (Asia/Shanghai).
    pub day: NaiveDate,
    /// Claimed that day.
    pub claimed: i64,
    /// Spent that day.
    pub used: i64,
}

/// Membership verification: member number and phone as on the roster.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyMembership {
    /// Member number (会员号).
    pub member_no: String,
    /// Phone on the roster.
    pub phone: String,
}

/// A verified membership.
#[derive(Debug, Serialize, ToSchema)]
pub struct Membership {
    /// Union.
    pub union_org_id: i64,
    /// Union name.
    pub union_name: String,
    /// Member number.
    pub member_no: String,
}

/// A roster import run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterImport {
    /// Id.
    pub id: i64,
    /// Union.
    pub union_org_id: i64,
    /// `pending`, `running`, `done`, `failed`.
    pub status: String,
    /// A dry run reports only.
    pub dry_run: bool,
    /// File name.
    pub filename: String,
    /// Data rows read.
    pub total_rows: i64,
    /// Rows processed so far (progress).
    pub processed_rows: i64,
    /// Valid rows.
    pub valid_rows: i64,
    /// Rows with problems.
    pub error_rows: i64,
    /// Members added.
    pub inserted: i64,
    /// Members updated.
    pub updated: i64,
    /// Members no longer on the roster (they lose the right to claim).
    pub left_members: i64,
    /// Problems (first 1,000): line, field, reason.
    pub errors: Vec<RowError>,
    /// Started.
    pub created_at: DateTime<Utc>,
    /// Finished.
    pub finished_at: Option<DateTime<Utc>>,
}

/// One bad row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RowError {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    /// Column.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

/// A roster entry (phone masked).
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterMember {
    /// Id.
    pub id: i64,
    /// Member number.
    pub member_no: String,
    /// Name, masked.
    pub name_masked: String,
    /// Phone, masked.
    pub phone_masked: String,
    /// Work unit.
    pub work_unit: String,
    /// Segment.
    pub segment: Option<String>,
    /// `active` or `left`.
    pub status: String,
    /// Linked to a verified account.
    pub verified: bool,
}

/// Filters of the roster list and its export.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// Member number, name or work unit contains (1-50 characters).
    pub q: Option<String>,
    /// Only this status.
    pub status: Option<super::model::RosterStatus>,
    /// Only members who verified (true) or did not yet (false).
    pub verified: Option<bool>,
    /// Page cursor.
    pub cursor: Option<String>,
    /// Page size (1-200).
    pub limit: Option<u64>,
}

/// A page of the roster.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterPage {
    /// Members.
    pub items: Vec<RosterMember>,
    /// Next page.
    pub next_cursor: Option<String>,
    /// Active members in all.
    pub total_active: u64,
}
