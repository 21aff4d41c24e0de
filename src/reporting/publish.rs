//! Publishing (通报): a regulator freezes the city report of a period as an immutable snapshot
//! (the figures, the rule version they were computed under, the SHA-256 of the stored text).
//! `share_reports` refuses UPDATE and DELETE (a trigger), so later changes to orders, facts or
//! rules never alter what was published.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use super::dto::{CityQuery, CityReport, Publish, Published};
use super::service;
use crate::audit::{self, AuditEvent};
use crate::auth::{Actor, Role};
use crate::db::begin_write;
use crate::entities::share_reports;
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};

fn hash(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

fn view(row: share_reports::Model, with_content: bool) -> Published {
    let intact = hash(&row.content) == row.content_hash;
    let report = if with_content {
        serde_json::from_str::<CityReport>(&row.content).ok()
    } else {
        None
    };
    Published {
        id: row.id,
        jurisdiction_code: row.jurisdiction_code,
        year: row.year,
        title: row.title,
        period_end: row.period_end,
        rule_id: row.rule_id,
        content_hash: row.content_hash,
        intact,
        published_at: row.published_at,
        report,
    }
}

fn may_publish(actor: &Actor) -> bool {
    actor.is_operator() || actor.has_role(Role::Regulator)
}

/// Publishes the city report of the actor's jurisdiction for a year (regulators, operators).
///
/// # Errors
/// 404 for anyone else; 422 for a bad title or year; 409 `invalid_state` when the
/// jurisdiction has no stored rule (a report names its rule version).
pub async fn publish(
    db: &DatabaseConnection,
    actor: &Actor,
    req: Publish,
) -> Result<Published, AppError> {
    if !may_publish(actor) {
        return Err(AppError::NotFound);
    }
    let mut errors = FieldErrors::new();
    if !(2..=100).contains(&req.title.trim().chars().count()) {
        errors.add(
            "title",
            FieldCode::NameLength,
            "标题为 2-100 字 / 2-100 characters",
        );
    }
    if !(2000..=2100).contains(&req.year) {
        errors.add(
            "year",
            FieldCode::OutOfRange,
            "年度须为 2000-2100 / 2000 to 2100",
        );
    }
    errors.into_result()?;
    let report = service::city(
        db,
        actor,
        CityQuery {
            year: Some(req.year),
            ..CityQuery::default()
        },
    )
    .await?;
    let Some(rule_id) = report.rule_id else {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "该辖区尚无份额规则，不能发布通报 / the jurisdiction has no stored rule",
        ));
    };
    let content = serde_json::to_string(&report)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("report json: {e}")))?;
    let txn = begin_write(db).await?;
    let saved = share_reports::ActiveModel {
        jurisdiction_code: Set(report.jurisdiction_code.clone()),
        year: Set(req.year),
        title: Set(req.title.trim().to_owned()),
        period_end: Set(req.period_end),
        rule_id: Set(rule_id),
        content_hash: Set(hash(&content)),
        content: Set(content),
        published_by: Set(actor.user_id),
        published_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("share_report.publish", "share_report", saved.id),
    )
    .await?;
    txn.commit().await?;
    Ok(view(saved, true))
}

/// Published reports of the actor's jurisdiction, newest first, without their content
/// (regulators, operators).
///
/// # Errors
/// 404 for anyone else.
pub async fn list(db: &DatabaseConnection, actor: &Actor) -> Result<Vec<Published>, AppError> {
    if !may_publish(actor) {
        return Err(AppError::NotFound);
    }
    Ok(share_reports::Entity::find()
        .order_by_desc(share_reports::Column::Id)
        .limit(200)
        .all(db)
        .await?
        .into_iter()
        .map(|r| view(r, false))
        .collect())
}

/// One published report with its snapshot (regulators, operators).
///
/// # Errors
/// 404.
pub async fn get(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<Published, AppError> {
    if !may_publish(actor) {
        return Err(AppError::NotFound);
    }
    share_reports::Entity::find()
        .filter(share_reports::Column::Id.eq(id))
        .one(db)
        .await?
        .map(|r| view(r, true))
        .ok_or(AppError::NotFound)
}
