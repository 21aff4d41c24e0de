//! Rules for regions and pairings.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};

use super::dto::{
    CreatePairing, CreateRegion, Pairing, PairingQuery, Region, RegionDetail, RegionQuery,
    UpdatePairing, UpdateRegion,
};
use super::model::{Programme, RegionLevel};
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::auth::Actor;
use crate::db::begin_write;
use crate::domain::RegionCode;
use crate::entities::{pairings, regions};
use crate::error::{AppError, DbResultExt, ErrorCode, FieldCode, FieldErrors};

/// Regions matching the filters, by code.
///
/// # Errors
/// 400 for an unknown flag; database errors.
pub async fn list(state: &AppState, q: RegionQuery) -> Result<Vec<Region>, AppError> {
    let mut query = regions::Entity::find().order_by_asc(regions::Column::Code);
    if let Some(level) = q.level {
        query = query.filter(regions::Column::Level.eq(level));
    }
    if let Some(parent) = q.parent {
        query = query.filter(regions::Column::ParentCode.eq(parent));
    }
    if let Some(flag) = q.flag {
        let column = match flag.as_str() {
            "poverty_lifted" => regions::Column::PovertyLifted,
            "key_assistance" => regions::Column::KeyAssistance,
            "old_revolutionary" => regions::Column::OldRevolutionary,
            _ => {
                return Err(AppError::new(
                    ErrorCode::InvalidQuery,
                    "flag 应为 poverty_lifted、key_assistance 或 old_revolutionary / unknown flag",
                ));
            }
        };
        query = query.filter(column.eq(true));
    }
    Ok(query
        .all(&state.db)
        .await?
        .into_iter()
        .map(Region::from)
        .collect())
}

/// One region with the names of its ancestors.
///
/// # Errors
/// 404 when unknown.
pub async fn get(state: &AppState, code: &str) -> Result<RegionDetail, AppError> {
    let region = regions::Entity::find_by_id(code.to_owned())
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let path = path_of(&state.db, &region).await?;
    Ok(RegionDetail {
        region: region.into(),
        path,
    })
}

/// Names from the top ancestor down to `region` (at most four levels).
///
/// # Errors
/// Database errors.
pub async fn path_of(
    conn: &impl ConnectionTrait,
    region: &regions::Model,
) -> Result<Vec<String>, AppError> {
    let mut names = vec![region.name.clone()];
    let mut parent = region.parent_code.clone();
    for _ in 0..4 {
        let Some(code) = parent else { break };
        let Some(p) = regions::Entity::find_by_id(code).one(conn).await? else {
            break;
        };
        names.push(p.name.clone());
        parent = p.parent_code;
    }
    names.reverse();
    Ok(names)
}

/// The level a child of `parent` may have.
fn child_level_ok(parent: RegionLevel, child: RegionLevel) -> bool {
    matches!(
        (parent, child),
        (RegionLevel::Province, RegionLevel::City)
            | (
                RegionLevel::City,
                RegionLevel::District | RegionLevel::County
            )
    )
}

/// Adds a region (operators).
///
/// # Errors
/// 422 for a bad code, missing or inconsistent parent, duplicate code.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    req: CreateRegion,
) -> Result<Region, AppError> {
    let mut errors = FieldErrors::new();
    let code = errors.check("code", RegionCode::parse(&req.code));
    let name = req.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 {
        errors.add(
            "name",
            FieldCode::NameLength,
            "名称应为1-64个字符 / 1-64 characters",
        );
    }
    let parent = match &req.parent_code {
        Some(p) => {
            regions::Entity::find_by_id(p.clone())
                .one(&state.db)
                .await?
        }
        None => None,
    };
    match (&req.parent_code, &parent, req.level) {
        (None, _, RegionLevel::Province) => {}
        (None, _, _) => errors.add(
            "parent_code",
            FieldCode::Required,
            "省级以下地区需要上级 / required below province level",
        ),
        (Some(_), None, _) => errors.add(
            "parent_code",
            FieldCode::UnknownRegion,
            "上级地区不存在 / unknown parent region",
        ),
        (Some(_), Some(p), level) => {
            if !child_level_ok(p.level, level) {
                errors.add(
                    "level",
                    FieldCode::LevelMismatch,
                    "层级与上级不符 / level does not fit under the parent",
                );
            }
        }
    }
    errors.into_result()?;
    let Some(code) = code else {
        return Err(AppError::NotFound);
    };
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let model = regions::ActiveModel {
        code: Set(code.as_str().to_owned()),
        name: Set(name),
        level: Set(req.level),
        parent_code: Set(req.parent_code),
        poverty_lifted: Set(req.poverty_lifted),
        key_assistance: Set(req.key_assistance),
        old_revolutionary: Set(req.old_revolutionary),
        note: Set(req.note),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .on_unique("regions", "code")?;
    let region = Region::from(model);
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("region.create", "region", &region.code).after(&region),
    )
    .await?;
    txn.commit().await?;
    // Addresses and the shop's filters read regions from each instance's reference copy.
    state.catalog.cache.bump().await;
    Ok(region)
}

/// Changes a region's name, flags or note (operators), audited with before and after.
///
/// # Errors
/// 404 when unknown; 422 for a bad name.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    code: &str,
    req: UpdateRegion,
) -> Result<Region, AppError> {
    let txn = begin_write(&state.db).await?;
    let current = regions::Entity::find_by_id(code.to_owned())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = Region::from(current.clone());
    let mut active = current.into_active_model();
    if let Some(name) = req.name {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(FieldErrors::single(
                "name",
                FieldCode::NameLength,
                "名称应为1-64个字符 / 1-64 characters",
            ));
        }
        active.name = Set(name);
    }
    if let Some(v) = req.poverty_lifted {
        active.poverty_lifted = Set(v);
    }
    if let Some(v) = req.key_assistance {
        active.key_assistance = Set(v);
    }
    if let Some(v) = req.old_revolutionary {
        active.old_revolutionary = Set(v);
    }
    if let Some(note) = req.note {
        active.note = Set(Some(note));
    }
    active.updated_at = Set(Utc::now());
    let after = Region::from(active.update(&txn).await?);
    crate::catalog::touch_region_products(&txn, code).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("region.update", "region", code)
            .before(&before)
            .after(&after)
            .reason(req.reason),
    )
    .await?;
    txn.commit().await?;
    state.catalog.changed(state).await;
    Ok(after)
}

async fn names(
    conn: &impl ConnectionTrait,
    codes: Vec<String>,
) -> Result<HashMap<String, String>, AppError> {
    Ok(regions::Entity::find()
        .filter(regions::Column::Code.is_in(codes))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect())
}

async fn to_dtos(
    conn: &impl ConnectionTrait,
    rows: Vec<pairings::Model>,
) -> Result<Vec<Pairing>, AppError> {
    let codes = rows
        .iter()
        .flat_map(|p| [p.helper_code.clone(), p.partner_code.clone()])
        .collect();
    let names = names(conn, codes).await?;
    Ok(rows
        .into_iter()
        .map(|m| Pairing::from_model(m, |c| names.get(c).cloned().unwrap_or_default()))
        .collect())
}

/// Pairings matching the filters (two queries whatever the count).
///
/// # Errors
/// Database errors.
pub async fn list_pairings(state: &AppState, q: PairingQuery) -> Result<Vec<Pairing>, AppError> {
    let mut query = pairings::Entity::find()
        .order_by_asc(pairings::Column::Programme)
        .order_by_asc(pairings::Column::HelperCode)
        .order_by_asc(pairings::Column::PartnerCode)
        .order_by_asc(pairings::Column::ValidFrom);
    if let Some(h) = q.helper {
        query = query.filter(pairings::Column::HelperCode.eq(h));
    }
    if let Some(p) = q.partner {
        query = query.filter(pairings::Column::PartnerCode.eq(p));
    }
    if let Some(p) = q.programme {
        query = query.filter(pairings::Column::Programme.eq(p));
    }
    if let Some(on) = q.on {
        query = query.filter(pairings::Column::ValidFrom.lte(on)).filter(
            sea_orm::Condition::any()
                .add(pairings::Column::ValidTo.is_null())
                .add(pairings::Column::ValidTo.gte(on)),
        );
    }
    let rows = query.all(&state.db).await?;
    to_dtos(&state.db, rows).await
}

fn overlaps(
    a_from: NaiveDate,
    a_to: Option<NaiveDate>,
    b_from: NaiveDate,
    b_to: Option<NaiveDate>,
) -> bool {
    let a_end = a_to.unwrap_or(NaiveDate::MAX);
    let b_end = b_to.unwrap_or(NaiveDate::MAX);
    a_from <= b_end && b_from <= a_end
}

/// Adds a pairing (operators). Two pairings of the same helper, partner and programme may not
/// overlap in time.
///
/// # Errors
/// 422 for unknown regions or bad dates; 409 `pairing_overlap`.
pub async fn create_pairing(
    state: &AppState,
    actor: &Actor,
    req: CreatePairing,
) -> Result<Pairing, AppError> {
    let mut errors = FieldErrors::new();
    let found = names(
        &state.db,
        vec![req.helper_code.clone(), req.partner_code.clone()],
    )
    .await?;
    if !found.contains_key(&req.helper_code) {
        errors.add(
            "helper_code",
            FieldCode::UnknownRegion,
            "帮扶方地区不存在 / unknown region",
        );
    }
    if !found.contains_key(&req.partner_code) {
        errors.add(
            "partner_code",
            FieldCode::UnknownRegion,
            "协作地区不存在 / unknown region",
        );
    }
    if req.helper_code == req.partner_code {
        errors.add(
            "partner_code",
            FieldCode::SameRegion,
            "不能与自身结对 / a region cannot pair with itself",
        );
    }
    if req.valid_to.is_some_and(|to| to < req.valid_from) {
        errors.add(
            "valid_to",
            FieldCode::BeforeValidFrom,
            "结束日期早于开始日期 / ends before it starts",
        );
    }
    errors.into_result()?;
    let txn = begin_write(&state.db).await?;
    let existing = pairings::Entity::find()
        .filter(pairings::Column::HelperCode.eq(req.helper_code.clone()))
        .filter(pairings::Column::PartnerCode.eq(req.partner_code.clone()))
        .filter(pairings::Column::Programme.eq(req.programme))
        .all(&txn)
        .await?;
    if existing
        .iter()
        .any(|p| overlaps(p.valid_from, p.valid_to, req.valid_from, req.valid_to))
    {
        return Err(AppError::new(
            ErrorCode::PairingOverlap,
            "与已有结对关系的有效期重叠 / overlaps an existing pairing",
        ));
    }
    let now = Utc::now();
    let model = pairings::ActiveModel {
        helper_code: Set(req.helper_code),
        partner_code: Set(req.partner_code),
        programme: Set(req.programme),
        valid_from: Set(req.valid_from),
        valid_to: Set(req.valid_to),
        source: Set(req.source),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let dto = to_dtos(&txn, vec![model]).await?.remove(0);
    crate::catalog::touch_region_products(&txn, &dto.partner_code).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("pairing.create", "pairing", dto.id).after(&dto),
    )
    .await?;
    txn.commit().await?;
    state.catalog.changed(state).await;
    Ok(dto)
}

/// Ends or re-dates a pairing (operators).
///
/// # Errors
/// 404 when unknown; 422 when the end is before the start; 409 when it would overlap another.
pub async fn update_pairing(
    state: &AppState,
    actor: &Actor,
    id: i64,
    req: UpdatePairing,
) -> Result<Pairing, AppError> {
    let txn = begin_write(&state.db).await?;
    let current = pairings::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if req.valid_to.is_some_and(|to| to < current.valid_from) {
        return Err(FieldErrors::single(
            "valid_to",
            FieldCode::BeforeValidFrom,
            "结束日期早于开始日期 / ends before it starts",
        ));
    }
    let siblings = pairings::Entity::find()
        .filter(pairings::Column::HelperCode.eq(current.helper_code.clone()))
        .filter(pairings::Column::PartnerCode.eq(current.partner_code.clone()))
        .filter(pairings::Column::Programme.eq(current.programme))
        .filter(pairings::Column::Id.ne(id))
        .all(&txn)
        .await?;
    if siblings
        .iter()
        .any(|p| overlaps(p.valid_from, p.valid_to, current.valid_from, req.valid_to))
    {
        return Err(AppError::new(
            ErrorCode::PairingOverlap,
            "与已有结对关系的有效期重叠 / overlaps an existing pairing",
        ));
    }
    let before = to_dtos(&txn, vec![current.clone()]).await?.remove(0);
    let mut active = current.into_active_model();
    active.valid_to = Set(req.valid_to);
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    let after = to_dtos(&txn, vec![updated]).await?.remove(0);
    crate::catalog::touch_region_products(&txn, &after.partner_code).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("pairing.update", "pairing", id)
            .before(&before)
            .after(&after)
            .reason(req.reason),
    )
    .await?;
    txn.commit().await?;
    state.catalog.changed(state).await;
    Ok(after)
}

/// The pairing under which a purchase from `county_code` on `date` is attributed: one valid
/// that day for the county itself or, failing that, for its city (city-level pairings such as
/// 深圳 -> 百色市). The earliest-starting one wins when several apply.
///
/// # Errors
/// Database errors.
pub async fn pairing_on(
    conn: &impl ConnectionTrait,
    county_code: &str,
    date: NaiveDate,
) -> Result<Option<pairings::Model>, AppError> {
    let county = regions::Entity::find_by_id(county_code.to_owned())
        .one(conn)
        .await?;
    let mut candidates = vec![county_code.to_owned()];
    if let Some(parent) = county.and_then(|c| c.parent_code) {
        candidates.push(parent);
    }
    for code in candidates {
        let found = pairings::Entity::find()
            .filter(pairings::Column::PartnerCode.eq(code))
            .filter(pairings::Column::ValidFrom.lte(date))
            .filter(
                sea_orm::Condition::any()
                    .add(pairings::Column::ValidTo.is_null())
                    .add(pairings::Column::ValidTo.gte(date)),
            )
            .order_by_asc(pairings::Column::ValidFrom)
            .order_by_asc(pairings::Column::Id)
            .one(conn)
            .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// Whether `programme` text is known (used when reading seed files).
#[must_use]
pub fn programme_known(text: &str) -> bool {
    Programme::parse(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_rules() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert!(overlaps(d("2021-01-01"), None, d("2023-01-01"), None));
        assert!(!overlaps(
            d("2021-01-01"),
            Some(d("2022-12-31")),
            d("2023-01-01"),
            None
        ));
        assert!(overlaps(
            d("2021-01-01"),
            Some(d("2023-01-01")),
            d("2023-01-01"),
            None
        ));
        assert!(child_level_ok(RegionLevel::Province, RegionLevel::City));
        assert!(!child_level_ok(RegionLevel::County, RegionLevel::City));
    }
}
