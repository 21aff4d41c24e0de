//! HTTP handlers of the reporting context: thin (the services check who asks and what they
//! own).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::dto::{
    CityQuery, CityReport, FactRow, GroupReport, NewRule, Publish, Published, RuleQuery,
    RuleVersion, UnitReport, WhereReport, YearQuery,
};
use super::{publish, rules, service};
use crate::app::AppState;
use crate::auth::Actor;
use crate::error::{AppError, ErrorBody};
use crate::extract::{AppJson, AppPath, AppQuery};

/// Share rule versions, newest first (anyone signed in: rules are published policy).
#[utoipa::path(get, path = "/api/reporting/rules", tag = "reporting", params(RuleQuery),
    responses((status = 200, body = Vec<RuleVersion>), (status = 401, body = ErrorBody)))]
pub async fn list_rules(
    State(state): State<AppState>,
    _actor: Actor,
    AppQuery(q): AppQuery<RuleQuery>,
) -> Result<AppJson<Vec<RuleVersion>>, AppError> {
    Ok(AppJson(rules::list(&state.db, q).await?))
}

/// Saves a new version of a jurisdiction's rule for a year (operators); current figures
/// follow it at once.
#[utoipa::path(post, path = "/api/reporting/rules", tag = "reporting", request_body = NewRule,
    responses((status = 201, body = RuleVersion), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_rule(
    State(state): State<AppState>,
    actor: Actor,
    AppJson(req): AppJson<NewRule>,
) -> Result<Response, AppError> {
    let saved = rules::create(&state.db, &actor, req).await?;
    Ok((StatusCode::CREATED, AppJson(saved)).into_response())
}

/// One rule version.
#[utoipa::path(get, path = "/api/reporting/rules/{id}", tag = "reporting",
    params(("id" = i64, Path, description = "rule version id")),
    responses((status = 200, body = RuleVersion), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_rule(
    State(state): State<AppState>,
    _actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<RuleVersion>, AppError> {
    Ok(AppJson(rules::get(&state.db, id).await?))
}

/// A unit's figures for a year: reserved, completed, pending, completion, share, gap, pace,
/// status and rank, with its months and where its money went.
#[utoipa::path(get, path = "/api/reporting/units/{id}", tag = "reporting",
    params(("id" = i64, Path, description = "budget unit organisation id"), YearQuery),
    responses((status = 200, body = UnitReport), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unit_report(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppQuery(q): AppQuery<YearQuery>,
) -> Result<AppJson<UnitReport>, AppError> {
    Ok(AppJson(service::unit(&state.db, &actor, id, q.year).await?))
}

/// The city report: every unit with its figures and rank, roll-ups by department and
/// district (regulators, operators).
#[utoipa::path(get, path = "/api/reporting/city", tag = "reporting", params(CityQuery),
    responses((status = 200, body = CityReport), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn city_report(
    State(state): State<AppState>,
    actor: Actor,
    AppQuery(q): AppQuery<CityQuery>,
) -> Result<AppJson<CityReport>, AppError> {
    Ok(AppJson(service::city(&state.db, &actor, q).await?))
}

/// A supervising department's units and totals.
#[utoipa::path(get, path = "/api/reporting/departments/{id}", tag = "reporting",
    params(("id" = i64, Path, description = "supervising organisation id"), YearQuery),
    responses((status = 200, body = GroupReport), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn department_report(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppQuery(q): AppQuery<YearQuery>,
) -> Result<AppJson<GroupReport>, AppError> {
    Ok(AppJson(
        service::department(&state.db, &actor, id, q.year).await?,
    ))
}

/// A helper district's units and totals.
#[utoipa::path(get, path = "/api/reporting/districts/{code}", tag = "reporting",
    params(("code" = String, Path, description = "helper district region code"), YearQuery),
    responses((status = 200, body = GroupReport), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn district_report(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(code): AppPath<String>,
    AppQuery(q): AppQuery<YearQuery>,
) -> Result<AppJson<GroupReport>, AppError> {
    Ok(AppJson(
        service::district(&state.db, &actor, &code, q.year).await?,
    ))
}

/// Where the money went: assistance amounts by county, programme and pairing.
#[utoipa::path(get, path = "/api/reporting/where", tag = "reporting", params(YearQuery),
    responses((status = 200, body = WhereReport), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn where_report(
    State(state): State<AppState>,
    actor: Actor,
    AppQuery(q): AppQuery<YearQuery>,
) -> Result<AppJson<WhereReport>, AppError> {
    Ok(AppJson(
        service::where_money_went(&state.db, &actor, q.year).await?,
    ))
}

/// The orders and declarations behind a unit's completed amount for a year.
#[utoipa::path(get, path = "/api/reporting/units/{id}/facts", tag = "reporting",
    params(("id" = i64, Path, description = "budget unit organisation id"), YearQuery),
    responses((status = 200, body = Vec<FactRow>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unit_facts(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppQuery(q): AppQuery<YearQuery>,
) -> Result<AppJson<Vec<FactRow>>, AppError> {
    Ok(AppJson(
        service::unit_facts(&state.db, &actor, id, q.year).await?,
    ))
}

/// The city report as an XLSX workbook (units, departments, districts).
#[utoipa::path(get, path = "/api/reporting/city.xlsx", tag = "reporting", params(CityQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn city_xlsx(
    State(state): State<AppState>,
    actor: Actor,
    AppQuery(q): AppQuery<CityQuery>,
) -> Result<Response, AppError> {
    let report = service::city(&state.db, &actor, q).await?;
    let bytes = super::export::city_xlsx(&report)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"share-{}-{}.xlsx\"",
                    report.jurisdiction_code, report.year
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Publishes the city report of a year as an immutable snapshot (通报; regulators, operators).
#[utoipa::path(post, path = "/api/reporting/reports", tag = "reporting", request_body = Publish,
    responses((status = 201, body = Published), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish_report(
    State(state): State<AppState>,
    actor: Actor,
    AppJson(req): AppJson<Publish>,
) -> Result<Response, AppError> {
    let saved = publish::publish(&state.db, &actor, req).await?;
    Ok((StatusCode::CREATED, AppJson(saved)).into_response())
}

/// Published reports, newest first, without their snapshots.
#[utoipa::path(get, path = "/api/reporting/reports", tag = "reporting",
    responses((status = 200, body = Vec<Published>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_reports(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<AppJson<Vec<Published>>, AppError> {
    Ok(AppJson(publish::list(&state.db, &actor).await?))
}

/// One published report with its snapshot, as published.
#[utoipa::path(get, path = "/api/reporting/reports/{id}", tag = "reporting",
    params(("id" = i64, Path, description = "report id")),
    responses((status = 200, body = Published), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_report(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Published>, AppError> {
    Ok(AppJson(publish::get(&state.db, &actor, id).await?))
}
