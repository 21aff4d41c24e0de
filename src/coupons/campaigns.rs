//! Campaigns: written and published by a union's admin; draft -> scheduled -> running -> ended
//! by the calendar, or cancelled.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};

use super::dto::{Campaign, CampaignInput};
use super::model::{AudienceKind, CampaignStatus, ClaimMode, Scope, ValidityKind};
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::auth::authz;
use crate::auth::{Actor, OrgKind, Role};
use crate::db::begin_write;
use crate::domain::limits;
use crate::entities::{categories, coupon_campaigns, organizations, regions, zones};
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};
use crate::money::Money;
use crate::vocab::JsonText;

/// Role that runs a union's campaigns.
pub const ADMIN: &[Role] = &[Role::UnionAdmin];

/// The start of a business day (00:00 Asia/Shanghai) in UTC.
#[must_use]
pub fn day_start(date: NaiveDate) -> DateTime<Utc> {
    Shanghai
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .single()
        .map_or_else(
            || date.and_time(NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

/// A time of day on a business date (Asia/Shanghai) in UTC.
#[must_use]
pub fn at(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    Shanghai
        .from_local_datetime(&date.and_time(time))
        .single()
        .map_or_else(|| date.and_time(time).and_utc(), |t| t.with_timezone(&Utc))
}

/// Reads `HH:MM`.
#[must_use]
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

/// The status as the calendar makes it.
#[must_use]
pub fn effective_status(c: &coupon_campaigns::Model, today: NaiveDate) -> CampaignStatus {
    match c.status {
        CampaignStatus::Scheduled | CampaignStatus::Running | CampaignStatus::Ended => {
            if today < c.starts_on {
                CampaignStatus::Scheduled
            } else if today <= c.ends_on {
                CampaignStatus::Running
            } else {
                CampaignStatus::Ended
            }
        }
        s @ (CampaignStatus::Draft | CampaignStatus::Cancelled) => s,
    }
}

/// The API shape of a campaign.
#[must_use]
pub fn to_dto(c: coupon_campaigns::Model, today: NaiveDate) -> Campaign {
    let status = effective_status(&c, today);
    Campaign {
        status,
        id: c.id,
        union_org_id: c.union_org_id,
        name: c.name,
        face_value_fen: Money::from_fen(c.face_value_fen),
        min_spend_fen: Money::from_fen(c.min_spend_fen),
        total_quantity: c.total_quantity,
        budget_fen: Money::from_fen(c.budget_fen),
        per_member_limit: c.per_member_limit,
        per_member_daily_limit: c.per_member_daily_limit,
        audience_kind: c.audience_kind,
        audience_values: c.audience_values.into_inner(),
        claim_mode: c.claim_mode,
        daily_quantity: c.daily_quantity,
        drop_time: c.drop_time,
        rollover: c.rollover,
        validity_kind: c.validity_kind,
        valid_from: c.valid_from,
        valid_to: c.valid_to,
        valid_days: c.valid_days,
        scope: c.scope.into_inner(),
        starts_on: c.starts_on,
        ends_on: c.ends_on,
        issued_count: c.issued_count,
    }
}

async fn check(conn: &impl ConnectionTrait, input: &CampaignInput) -> Result<(), AppError> {
    let mut e = FieldErrors::new();
    if !(2..=60).contains(&input.name.trim().chars().count()) {
        e.add(
            "name",
            FieldCode::NameLength,
            "名称应为2-60个字符 / 2-60 characters",
        );
    }
    if !(1..=limits::MAX_COUPON_FEN).contains(&input.face_value_fen.fen()) {
        e.add(
            "face_value_fen",
            FieldCode::OutOfRange,
            "面额应为0.01元至100万元 / 0.01 to 1,000,000 yuan",
        );
    }
    if input.min_spend_fen.is_negative()
        || input.min_spend_fen.fen() > limits::MAX_COUPON_FEN
        || (input.min_spend_fen.fen() > 0 && input.min_spend_fen < input.face_value_fen)
    {
        e.add(
            "min_spend_fen",
            FieldCode::OutOfRange,
            "门槛须为0或不低于面额 / 0, or at least the face value",
        );
    }
    if !(1..=10_000_000).contains(&input.total_quantity) {
        e.add(
            "total_quantity",
            FieldCode::OutOfRange,
            "数量应为1至1000万 / 1 to 10,000,000",
        );
    }
    if !(0..=limits::MAX_BUDGET_FEN).contains(&input.budget_fen.fen()) {
        e.add(
            "budget_fen",
            FieldCode::OutOfRange,
            "预算应不超过100亿元 / at most 10,000,000,000 yuan",
        );
    }
    match input.face_value_fen.checked_mul(input.total_quantity) {
        Some(needed) if input.budget_fen >= needed => {}
        _ => e.add(
            "budget_fen",
            FieldCode::BudgetTooSmall,
            "预算须不少于面额×数量 / at least face value x quantity",
        ),
    }
    if !(1..=limits::MAX_PER_MEMBER).contains(&input.per_member_limit) {
        e.add(
            "per_member_limit",
            FieldCode::OutOfRange,
            "每人限领应为1至1000张 / 1 to 1,000",
        );
    }
    if input.per_member_daily_limit < 1
        || input.per_member_daily_limit > input.per_member_limit.max(1)
    {
        e.add(
            "per_member_daily_limit",
            FieldCode::OutOfRange,
            "每日限领应在1与每人限领之间 / between 1 and the member limit",
        );
    }
    if input.audience_kind != AudienceKind::All
        && input.audience_values.iter().all(|v| v.trim().is_empty())
    {
        e.add(
            "audience_values",
            FieldCode::Required,
            "请填写人群 / name the segments or work units",
        );
    }
    if input.claim_mode == ClaimMode::Drop {
        if input
            .daily_quantity
            .is_none_or(|q| q < 1 || q > input.total_quantity)
        {
            e.add(
                "daily_quantity",
                FieldCode::OutOfRange,
                "每日投放量应在1与总量之间 / between 1 and the total",
            );
        }
        if input.drop_time.as_deref().and_then(parse_time).is_none() {
            e.add(
                "drop_time",
                FieldCode::TimeFormat,
                "请填写开抢时间，如 09:00 / a time such as 09:00",
            );
        }
    }
    if input.ends_on < input.starts_on {
        e.add(
            "ends_on",
            FieldCode::BeforeStartsOn,
            "结束日期早于开始日期 / ends before it starts",
        );
    }
    match input.validity_kind {
        ValidityKind::Fixed => match (input.valid_from, input.valid_to) {
            (Some(f), Some(t)) if f <= t && t >= input.starts_on => {}
            _ => e.add(
                "valid_to",
                FieldCode::InvalidWindow,
                "请填写有效的使用期限 / a valid window is required",
            ),
        },
        ValidityKind::Relative => {
            if input.valid_days.is_none_or(|d| !(1..=366).contains(&d)) {
                e.add(
                    "valid_days",
                    FieldCode::OutOfRange,
                    "领取后有效天数应为1-366 / 1 to 366 days",
                );
            }
        }
    }
    let s = &input.scope;
    if !s.zones.is_empty() {
        let found = zones::Entity::find()
            .filter(zones::Column::Slug.is_in(s.zones.clone()))
            .all(conn)
            .await?;
        if found.len() != s.zones.len() {
            e.add(
                "scope.zones",
                FieldCode::UnknownZone,
                "专区不存在 / unknown zone",
            );
        }
    }
    if !s.regions.is_empty() {
        let found = regions::Entity::find()
            .filter(regions::Column::Code.is_in(s.regions.clone()))
            .all(conn)
            .await?;
        if found.len() != s.regions.len() {
            e.add(
                "scope.regions",
                FieldCode::UnknownRegion,
                "地区不存在 / unknown region",
            );
        }
    }
    if !s.categories.is_empty() {
        let found = categories::Entity::find()
            .filter(categories::Column::Id.is_in(s.categories.clone()))
            .all(conn)
            .await?;
        if found.len() != s.categories.len() {
            e.add(
                "scope.categories",
                FieldCode::UnknownCategory,
                "类目不存在 / unknown category",
            );
        }
    }
    if !s.suppliers.is_empty() {
        let found = organizations::Entity::find()
            .filter(organizations::Column::Id.is_in(s.suppliers.clone()))
            .filter(organizations::Column::Kind.eq(OrgKind::Supplier))
            .all(conn)
            .await?;
        if found.len() != s.suppliers.len() {
            e.add(
                "scope.suppliers",
                FieldCode::UnknownSupplier,
                "供应商不存在 / unknown supplier",
            );
        }
    }
    e.into_result()
}

fn write(active: &mut coupon_campaigns::ActiveModel, input: CampaignInput) {
    active.name = Set(input.name.trim().to_owned());
    active.face_value_fen = Set(input.face_value_fen.fen());
    active.min_spend_fen = Set(input.min_spend_fen.fen());
    active.total_quantity = Set(input.total_quantity);
    active.budget_fen = Set(input.budget_fen.fen());
    active.per_member_limit = Set(input.per_member_limit);
    active.per_member_daily_limit = Set(input.per_member_daily_limit);
    active.audience_kind = Set(input.audience_kind);
    active.audience_values = Set(JsonText(input.audience_values));
    active.claim_mode = Set(input.claim_mode);
    active.daily_quantity = Set(input
        .daily_quantity
        .filter(|_| input.claim_mode == ClaimMode::Drop));
    active.drop_time = Set(input
        .drop_time
        .filter(|_| input.claim_mode == ClaimMode::Drop));
    active.rollover = Set(input.rollover);
    active.validity_kind = Set(input.validity_kind);
    active.valid_from = Set(input.valid_from);
    active.valid_to = Set(input.valid_to);
    active.valid_days = Set(input.valid_days);
    active.scope = Set(JsonText(input.scope));
    active.starts_on = Set(input.starts_on);
    active.ends_on = Set(input.ends_on);
    active.updated_at = Set(Utc::now());
}

/// Creates a draft campaign of a union (its admin).
///
/// # Errors
/// 404/403; 422 with every problem.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    union_id: i64,
    input: CampaignInput,
) -> Result<Campaign, AppError> {
    authz::authorize_org_role(actor, union_id, ADMIN)?;
    check(&state.db, &input).await?;
    let now = Utc::now();
    let mut active = coupon_campaigns::ActiveModel {
        union_org_id: Set(union_id),
        status: Set(CampaignStatus::Draft),
        issued_count: Set(0),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now),
        ..Default::default()
    };
    write(&mut active, input);
    let txn = begin_write(&state.db).await?;
    let row = active.insert(&txn).await?;
    let dto = to_dto(row, crate::time::business_date(now));
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("campaign.create", "campaign", dto.id).after(&dto),
    )
    .await?;
    txn.commit().await?;
    Ok(dto)
}

/// Loads a campaign for its union's admin.
async fn load_admin(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<coupon_campaigns::Model, AppError> {
    authz::require_any_role(actor, &[Role::UnionAdmin, Role::Operator])?;
    let c = coupon_campaigns::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    authz::authorize_org_role(actor, c.union_org_id, ADMIN)?;
    Ok(c)
}

/// Changes a draft campaign.
///
/// # Errors
/// 404/403; 409 once published; 422.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    input: CampaignInput,
) -> Result<Campaign, AppError> {
    let current = load_admin(&state.db, actor, id).await?;
    if current.status != CampaignStatus::Draft {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "活动已发布，不能修改 / a published campaign cannot be changed",
        ));
    }
    check(&state.db, &input).await?;
    let txn = begin_write(&state.db).await?;
    let mut active = current.into_active_model();
    write(&mut active, input);
    let row = active.update(&txn).await?;
    let dto = to_dto(row, crate::time::business_date(Utc::now()));
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("campaign.update", "campaign", id).after(&dto),
    )
    .await?;
    txn.commit().await?;
    Ok(dto)
}

/// Publishes (draft -> scheduled) or cancels a campaign; publishing a direct-issuance campaign
/// starts the issuance job in the same transaction.
///
/// # Errors
/// 404/403; 409 `invalid_state`.
pub async fn set_status(
    state: &AppState,
    actor: &Actor,
    id: i64,
    publish: bool,
) -> Result<Campaign, AppError> {
    let current = load_admin(&state.db, actor, id).await?;
    let today = crate::time::business_date(Utc::now());
    let from = effective_status(&current, today);
    let allowed = if publish {
        from == CampaignStatus::Draft && current.ends_on >= today
    } else {
        matches!(
            from,
            CampaignStatus::Draft | CampaignStatus::Scheduled | CampaignStatus::Running
        )
    };
    if !allowed {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            format!("当前状态（{from}）不能执行此操作 / not allowed from status {from}"),
        ));
    }
    let target = if publish {
        CampaignStatus::Scheduled
    } else {
        CampaignStatus::Cancelled
    };
    let txn = begin_write(&state.db).await?;
    let mut active = current.clone().into_active_model();
    active.status = Set(target);
    active.updated_at = Set(Utc::now());
    let row = active.update(&txn).await?;
    if publish && current.claim_mode == ClaimMode::Direct {
        super::issue::enqueue(&txn, id, 0).await?;
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new(
            if publish {
                "campaign.publish"
            } else {
                "campaign.cancel"
            },
            "campaign",
            id,
        )
        .before(serde_json::json!({"status": from}))
        .after(serde_json::json!({"status": target})),
    )
    .await?;
    txn.commit().await?;
    // This instance stops serving the cached campaign now; others within a second, and the
    // claim's write checks the status itself.
    state.coupons.live.invalidate_all();
    Ok(to_dto(row, today))
}

/// A union's campaigns (its admin, operators).
///
/// # Errors
/// 404/403.
pub async fn list_for_union(
    state: &AppState,
    actor: &Actor,
    union_id: i64,
) -> Result<Vec<Campaign>, AppError> {
    authz::authorize_org_role(actor, union_id, ADMIN)?;
    let today = crate::time::business_date(Utc::now());
    Ok(coupon_campaigns::Entity::find()
        .filter(coupon_campaigns::Column::UnionOrgId.eq(union_id))
        .order_by_desc(coupon_campaigns::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| to_dto(c, today))
        .collect())
}

/// One campaign for its union's admin.
///
/// # Errors
/// 404/403.
pub async fn get(state: &AppState, actor: &Actor, id: i64) -> Result<Campaign, AppError> {
    let c = load_admin(&state.db, actor, id).await?;
    Ok(to_dto(c, crate::time::business_date(Utc::now())))
}

/// When a coupon claimed at `claimed_at` is valid, from and until.
#[must_use]
pub fn validity(
    c: &coupon_campaigns::Model,
    claimed_at: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    match (c.validity_kind, c.valid_from, c.valid_to, c.valid_days) {
        (ValidityKind::Fixed, Some(from), Some(to), _) => (
            day_start(from),
            day_start(to) + Duration::days(1) - Duration::milliseconds(1),
        ),
        (_, _, _, Some(days)) => (claimed_at, claimed_at + Duration::days(i64::from(days))),
        _ => (claimed_at, claimed_at + Duration::days(30)),
    }
}

/// The scope of a campaign.
#[must_use]
pub fn scope_of(c: &coupon_campaigns::Model) -> Scope {
    c.scope.0.clone()
}
