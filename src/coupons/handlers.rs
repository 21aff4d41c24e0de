//! HTTP handlers of the coupons context.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::dto::{
    Campaign, CampaignInput, CampaignList, CampaignStats, ClaimCenter, Coupon, CouponList,
    CouponQuery, Membership, RosterImport, RosterPage, RosterQuery, VerifyMembership,
};
use super::{campaigns, claim as claiming, roster, stats, wallet};
use crate::app::AppState;
use crate::auth::Actor;
use crate::error::{AppError, ErrorBody, ErrorCode};
use crate::extract::{AppJson, AppPath, AppQuery, ClientIp};
use crate::idempotency::IdempotentJson;

/// Imports a member roster (multipart: `file` CSV or XLSX with columns 会员号, 姓名, 手机号,
/// 工作单位, 人群; `dry_run` true to report only). Answers at once; poll the import.
#[utoipa::path(post, path = "/api/unions/{union_id}/roster/imports", tag = "coupons", params(("union_id" = i64, Path, description = "union")),
    request_body(content_type = "multipart/form-data", description = "fields `file` and `dry_run`"),
    responses((status = 202, body = RosterImport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start_import(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(union_id): AppPath<i64>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    crate::auth::authz::authorize_org_role(&actor, union_id, &[crate::auth::Role::UnionAdmin])?;
    let multipart = multipart.map_err(|e| {
        AppError::new(
            ErrorCode::InvalidMultipart,
            format!("请以 multipart/form-data 上传 / {}", e.body_text()),
        )
    })?;
    let (bytes, filename, fields) = crate::media::handlers_read_file(multipart, "file").await?;
    let dry_run = fields
        .iter()
        .any(|(k, v)| k == "dry_run" && matches!(v.as_str(), "true" | "1" | "on"));
    let import = roster::start(&state, &actor, union_id, filename, bytes, dry_run).await?;
    Ok((StatusCode::ACCEPTED, AppJson(import)).into_response())
}

/// A roster import with its progress and, when done, the report.
#[utoipa::path(get, path = "/api/roster-imports/{id}", tag = "coupons", params(("id" = i64, Path, description = "import id")),
    responses((status = 200, body = RosterImport), (status = 404, body = ErrorBody)))]
pub async fn get_import(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<RosterImport>, AppError> {
    Ok(AppJson(roster::get(&state, &actor, id).await?))
}

/// A union's roster (names and phones masked), searched and filtered.
#[utoipa::path(get, path = "/api/unions/{union_id}/roster", tag = "coupons", params(("union_id" = i64, Path, description = "union"), RosterQuery),
    responses((status = 200, body = RosterPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_roster(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(union_id): AppPath<i64>,
    AppQuery(q): AppQuery<RosterQuery>,
) -> Result<AppJson<RosterPage>, AppError> {
    Ok(AppJson(roster::list(&state, &actor, union_id, q).await?))
}

/// A union's roster with the list's filters as an XLSX file (names and phones masked).
#[utoipa::path(get, path = "/api/unions/{union_id}/roster.xlsx", tag = "coupons", params(("union_id" = i64, Path, description = "union"), RosterQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export_roster(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(union_id): AppPath<i64>,
    AppQuery(q): AppQuery<RosterQuery>,
) -> Result<Response, AppError> {
    let bytes = roster::export(&state, &actor, union_id, q).await?;
    Ok(crate::export::response("roster.xlsx", bytes))
}

/// Verifies the logged-in user as a union member by member number and phone.
#[utoipa::path(post, path = "/api/me/membership", tag = "coupons", request_body = VerifyMembership,
    responses((status = 200, body = Membership), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn verify_membership(
    State(state): State<AppState>,
    actor: Actor,
    AppJson(req): AppJson<VerifyMembership>,
) -> Result<AppJson<Membership>, AppError> {
    Ok(AppJson(roster::verify(&state, &actor, req).await?))
}

/// A union's campaigns (its admin).
#[utoipa::path(get, path = "/api/unions/{union_id}/campaigns", tag = "coupons", params(("union_id" = i64, Path, description = "union")),
    responses((status = 200, body = CampaignList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_campaigns(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(union_id): AppPath<i64>,
) -> Result<AppJson<CampaignList>, AppError> {
    Ok(AppJson(CampaignList {
        items: campaigns::list_for_union(&state, &actor, union_id).await?,
    }))
}

/// Creates a draft campaign (the union's admin).
#[utoipa::path(post, path = "/api/unions/{union_id}/campaigns", tag = "coupons", request_body = CampaignInput, params(("union_id" = i64, Path, description = "union")),
    responses((status = 201, body = Campaign), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_campaign(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(union_id): AppPath<i64>,
    AppJson(input): AppJson<CampaignInput>,
) -> Result<(StatusCode, AppJson<Campaign>), AppError> {
    Ok((
        StatusCode::CREATED,
        AppJson(campaigns::create(&state, &actor, union_id, input).await?),
    ))
}

/// A campaign (its union's admin).
#[utoipa::path(get, path = "/api/campaigns/{id}", tag = "coupons", params(("id" = i64, Path, description = "campaign")),
    responses((status = 200, body = Campaign), (status = 404, body = ErrorBody)))]
pub async fn get_campaign(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Campaign>, AppError> {
    Ok(AppJson(campaigns::get(&state, &actor, id).await?))
}

/// Changes a draft campaign.
#[utoipa::path(put, path = "/api/campaigns/{id}", tag = "coupons", request_body = CampaignInput, params(("id" = i64, Path, description = "campaign")),
    responses((status = 200, body = Campaign), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_campaign(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(input): AppJson<CampaignInput>,
) -> Result<AppJson<Campaign>, AppError> {
    Ok(AppJson(campaigns::update(&state, &actor, id, input).await?))
}

/// Publishes a draft campaign (direct issuance starts at once).
#[utoipa::path(post, path = "/api/campaigns/{id}/publish", tag = "coupons", params(("id" = i64, Path, description = "campaign")),
    responses((status = 200, body = Campaign), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn publish_campaign(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Campaign>, AppError> {
    Ok(AppJson(
        campaigns::set_status(&state, &actor, id, true).await?,
    ))
}

/// Cancels a campaign.
#[utoipa::path(post, path = "/api/campaigns/{id}/cancel", tag = "coupons", params(("id" = i64, Path, description = "campaign")),
    responses((status = 200, body = Campaign), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_campaign(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Campaign>, AppError> {
    Ok(AppJson(
        campaigns::set_status(&state, &actor, id, false).await?,
    ))
}

/// Claim and redemption statistics of a campaign.
#[utoipa::path(get, path = "/api/campaigns/{id}/stats", tag = "coupons", params(("id" = i64, Path, description = "campaign")),
    responses((status = 200, body = CampaignStats), (status = 404, body = ErrorBody)))]
pub async fn campaign_stats(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<CampaignStats>, AppError> {
    Ok(AppJson(stats::campaign(&state, &actor, id).await?))
}

/// The member's claim center: campaigns with countdowns and what is left.
#[utoipa::path(get, path = "/api/me/claim-center", tag = "coupons",
    responses((status = 200, body = ClaimCenter), (status = 403, body = ErrorBody)))]
pub async fn claim_center(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<AppJson<ClaimCenter>, AppError> {
    Ok(AppJson(wallet::claim_center(&state, &actor).await?))
}

/// Claims a coupon of a campaign's current drop. Accepts `Idempotency-Key` (a retry gets the
/// same answer). Answers: 201 claimed; 409 `coupon_limit_reached`, `coupon_daily_limit_reached`,
/// `coupon_sold_out`, `coupon_not_started`, `coupon_campaign_ended`; 403 `coupon_not_eligible`;
/// 429 `rate_limited`.
#[utoipa::path(post, path = "/api/campaigns/{id}/claim", tag = "coupons", request_body = serde_json::Value,
    params(("id" = i64, Path, description = "campaign"), ("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    responses((status = 201, body = Coupon), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn claim(
    State(state): State<AppState>,
    actor: Actor,
    ClientIp(ip): ClientIp,
    AppPath(id): AppPath<i64>,
    req: IdempotentJson<serde_json::Value>,
) -> Result<Response, AppError> {
    req.run(
        &state,
        &actor,
        &format!("POST /api/campaigns/{id}/claim"),
        |_| async {
            let coupon = claiming::claim(&state, &actor, id, &ip).await?;
            Ok((StatusCode::CREATED, AppJson(coupon)).into_response())
        },
    )
    .await
}

/// The member's coupons.
#[utoipa::path(get, path = "/api/me/coupons", tag = "coupons", params(CouponQuery),
    responses((status = 200, body = CouponList), (status = 403, body = ErrorBody)))]
pub async fn my_coupons(
    State(state): State<AppState>,
    actor: Actor,
    AppQuery(q): AppQuery<CouponQuery>,
) -> Result<AppJson<CouponList>, AppError> {
    Ok(AppJson(CouponList {
        items: wallet::mine(&state, &actor, q).await?,
    }))
}
