//! Budget units: who may act for a unit, its settings and approval rules, and the annual
//! filing (预留份额) with its review by the supervising department.

use chrono::{Datelike, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::dto::{ApprovalRule, Filing, FilingQuery, SubmitFiling, UnitSettings, UpdateUnit};
use super::model::{ApprovalRuleKind, CanteenMode, FilingStatus};
use crate::audit::{self, AuditEvent};
use crate::auth::Actor;
use crate::auth::model::{OrgKind, Role};
use crate::db::begin_write;
use crate::domain::{Phone, mask_phone};
use crate::entities::{approval_rules, budget_units, categories, filings, organizations, regions};
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};
use crate::vocab::JsonText;

/// The target ratio a filing must reach where no rule of the jurisdiction says otherwise
/// (basis points: the policy's 30%).
pub const DEFAULT_TARGET_BP: i32 = 3000;

/// Roles that act for a unit's purchasing.
pub const UNIT_STAFF: &[Role] = &[Role::Buyer, Role::Approver, Role::UnitAdmin];

/// An organisation that buys institutionally: a budget unit, or a union (festival packs).
///
/// # Errors
/// 404 when it does not exist or is not a buyer.
pub async fn buyer_org(
    conn: &impl ConnectionTrait,
    org_id: i64,
) -> Result<organizations::Model, AppError> {
    organizations::Entity::find_by_id(org_id)
        .one(conn)
        .await?
        .filter(|o| matches!(o.kind, OrgKind::BudgetUnit | OrgKind::Union))
        .ok_or(AppError::NotFound)
}

/// Whether the actor holds one of `roles` in the organisation.
#[must_use]
pub fn holds(actor: &Actor, org_id: i64, roles: &[Role]) -> bool {
    actor.roles_in(org_id).any(|r| roles.contains(&r))
}

/// Whether the actor supervises `org` (an admin of its parent organisation).
#[must_use]
pub fn supervises(actor: &Actor, org: &organizations::Model) -> bool {
    org.parent_id
        .is_some_and(|p| holds(actor, p, &[Role::UnitAdmin, Role::UnionAdmin]))
}

/// Whether the actor may read the unit's procurement: its staff, its supervisor, operators
/// and regulators.
#[must_use]
pub fn may_read_unit(actor: &Actor, org: &organizations::Model) -> bool {
    actor.is_operator()
        || actor.has_role(Role::Regulator)
        || holds(actor, org.id, UNIT_STAFF)
        || holds(actor, org.id, &[Role::UnionAdmin])
        || supervises(actor, org)
}

/// The unit's settings row, or the defaults of a unit that never saved any.
///
/// # Errors
/// Database errors.
pub async fn settings_row(
    conn: &impl ConnectionTrait,
    org: &organizations::Model,
) -> Result<budget_units::Model, AppError> {
    if let Some(row) = budget_units::Entity::find_by_id(org.id).one(conn).await? {
        return Ok(row);
    }
    let now = Utc::now();
    Ok(budget_units::Model {
        org_id: org.id,
        jurisdiction_code: org
            .region_code
            .clone()
            .map_or_else(|| "440300".to_owned(), |c| city_of(&c)),
        canteen_mode: CanteenMode::Own,
        contractor_name: None,
        represented_by_org_id: None,
        payment_term_days: 30,
        created_at: now,
        updated_at: now,
    })
}

/// The city (jurisdiction) of a region code: its first four digits and `00`.
fn city_of(code: &str) -> String {
    if code.len() == 6 {
        format!("{}00", &code[..4])
    } else {
        code.to_owned()
    }
}

/// A unit's settings with its approval rules.
///
/// # Errors
/// 404 for anyone who may not read the unit.
pub async fn settings(
    db: &DatabaseConnection,
    actor: &Actor,
    org_id: i64,
) -> Result<UnitSettings, AppError> {
    let org = buyer_org(db, org_id).await?;
    if !may_read_unit(actor, &org) {
        return Err(AppError::NotFound);
    }
    let row = settings_row(db, &org).await?;
    let rules = rules_of(db, org_id).await?;
    Ok(settings_view(&org, &row, &rules))
}

/// The unit's approval rules.
///
/// # Errors
/// Database errors.
pub async fn rules_of(
    conn: &impl ConnectionTrait,
    org_id: i64,
) -> Result<Vec<approval_rules::Model>, AppError> {
    Ok(approval_rules::Entity::find()
        .filter(approval_rules::Column::UnitOrgId.eq(org_id))
        .order_by_asc(approval_rules::Column::Id)
        .all(conn)
        .await?)
}

fn settings_view(
    org: &organizations::Model,
    row: &budget_units::Model,
    rules: &[approval_rules::Model],
) -> UnitSettings {
    UnitSettings {
        org_id: org.id,
        name: org.name.clone(),
        supervisor_org_id: org.parent_id,
        jurisdiction_code: row.jurisdiction_code.clone(),
        canteen_mode: row.canteen_mode,
        contractor_name: row.contractor_name.clone(),
        represented_by_org_id: row.represented_by_org_id,
        payment_term_days: row.payment_term_days,
        approval_rules: rules
            .iter()
            .map(|r| ApprovalRule {
                kind: r.kind,
                amount_fen: r.amount_fen,
                category_id: r.category_id,
                levels: r.levels,
            })
            .collect(),
    }
}

/// Changes a unit's settings and replaces its approval rules (its admin, operators).
///
/// # Errors
/// 404; 403 for other staff; 422 for a bad term, jurisdiction or rule.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    org_id: i64,
    req: UpdateUnit,
) -> Result<UnitSettings, AppError> {
    let org = buyer_org(db, org_id).await?;
    if !may_read_unit(actor, &org) {
        return Err(AppError::NotFound);
    }
    if !actor.is_operator() && !holds(actor, org_id, &[Role::UnitAdmin]) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有单位管理员可以修改采购设置 / only the unit's admin may change its settings",
        ));
    }
    let mut errors = FieldErrors::new();
    if !(1..=60).contains(&req.payment_term_days) {
        errors.add(
            "payment_term_days",
            FieldCode::OutOfRange,
            "付款期限为 1-60 天（《保障中小企业款项支付条例》） / the term is 1-60 days",
        );
    }
    if regions::Entity::find_by_id(req.jurisdiction_code.clone())
        .one(db)
        .await?
        .is_none()
    {
        errors.add(
            "jurisdiction_code",
            FieldCode::UnknownRegion,
            "未知的行政区划代码 / unknown region code",
        );
    }
    if req.approval_rules.len() > 20 {
        errors.add(
            "approval_rules",
            FieldCode::TooMany,
            "最多 20 条审批规则 / at most 20 rules",
        );
    }
    for (i, r) in req.approval_rules.iter().enumerate() {
        let field = format!("approval_rules[{i}]");
        if !(1..=2).contains(&r.levels) {
            errors.add(
                &field,
                FieldCode::OutOfRange,
                "审批级数为 1 或 2 / 1 or 2 levels",
            );
        }
        match r.kind {
            ApprovalRuleKind::OrderAmountOver | ApprovalRuleKind::MonthTotalOver => {
                if !r
                    .amount_fen
                    .is_some_and(|a| (0..=100_000_000_000).contains(&a))
                {
                    errors.add(
                        &field,
                        FieldCode::OutOfRange,
                        "金额门槛须为 0-10亿元 / the threshold must be 0-1e9 yuan",
                    );
                }
            }
            ApprovalRuleKind::Category => match r.category_id {
                None => errors.add(
                    &field,
                    FieldCode::Required,
                    "请选择品类 / choose a category",
                ),
                Some(c) => {
                    if categories::Entity::find_by_id(c).one(db).await?.is_none() {
                        errors.add(
                            &field,
                            FieldCode::UnknownCategory,
                            "未知的品类 / unknown category",
                        );
                    }
                }
            },
        }
    }
    errors.into_result()?;
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let mut row = settings_row(&txn, &org).await?;
    let existed = budget_units::Entity::find_by_id(org_id)
        .one(&txn)
        .await?
        .is_some();
    row.jurisdiction_code = req.jurisdiction_code;
    row.canteen_mode = req.canteen_mode;
    row.contractor_name = req.contractor_name.filter(|s| !s.trim().is_empty());
    row.represented_by_org_id = req.represented_by_org_id;
    row.payment_term_days = req.payment_term_days;
    row.updated_at = now;
    let active = budget_units::ActiveModel {
        org_id: Set(row.org_id),
        jurisdiction_code: Set(row.jurisdiction_code.clone()),
        canteen_mode: Set(row.canteen_mode),
        contractor_name: Set(row.contractor_name.clone()),
        represented_by_org_id: Set(row.represented_by_org_id),
        payment_term_days: Set(row.payment_term_days),
        created_at: Set(row.created_at),
        updated_at: Set(now),
    };
    if existed {
        active.update(&txn).await?;
    } else {
        active.insert(&txn).await?;
    }
    approval_rules::Entity::delete_many()
        .filter(approval_rules::Column::UnitOrgId.eq(org_id))
        .exec(&txn)
        .await?;
    for r in &req.approval_rules {
        approval_rules::ActiveModel {
            unit_org_id: Set(org_id),
            kind: Set(r.kind),
            amount_fen: Set(r.amount_fen),
            category_id: Set(r.category_id),
            levels: Set(r.levels),
            created_by: Set(Some(actor.user_id)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("unit.settings", "organization", org_id).after(req.approval_rules.len()),
    )
    .await?;
    txn.commit().await?;
    settings(db, actor, org_id).await
}

fn filing_view(f: &filings::Model, unit_name: &str) -> Filing {
    Filing {
        id: f.id,
        unit_org_id: f.unit_org_id,
        unit_name: unit_name.to_owned(),
        year: f.year,
        version: f.version,
        status: f.status,
        canteen_mode: f.canteen_mode,
        expected_total_fen: f.expected_total_fen,
        ratio_bp: f.ratio_bp,
        reserved_fen: f.reserved_fen,
        union_funds_fen: f.union_funds_fen,
        covered_units: f.covered_units.0.clone(),
        contact_name: f.contact_name.clone(),
        contact_phone: mask_phone(&f.contact_phone),
        submitted_at: f.submitted_at,
        decided_at: f.decided_at,
        decision_reason: f.decision_reason.clone(),
    }
}

/// Submits a new version of the unit's filing for a year (its buyer or admin). The reserved
/// amount is computed here: expected × ratio, rounded up to the fen.
///
/// # Errors
/// 404; 403; 422 for a ratio below the target, amounts out of range, a bad contact; 409
/// `invalid_state` while a version waits for review.
pub async fn submit_filing(
    db: &DatabaseConnection,
    actor: &Actor,
    org_id: i64,
    req: SubmitFiling,
) -> Result<Filing, AppError> {
    let org = buyer_org(db, org_id).await?;
    if !may_read_unit(actor, &org) {
        return Err(AppError::NotFound);
    }
    if !holds(actor, org_id, &[Role::Buyer, Role::UnitAdmin]) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有本单位采购员或管理员可以填报 / only the unit's buyer or admin may file",
        ));
    }
    let this_year = Utc::now().year();
    let mut errors = FieldErrors::new();
    if !(this_year - 1..=this_year + 1).contains(&req.year) {
        errors.add(
            "year",
            FieldCode::OutOfRange,
            "只能填报上一年至下一年 / last, this or next year",
        );
    }
    if !(0..=100_000_000_000_000).contains(&req.expected_total_fen) {
        errors.add(
            "expected_total_fen",
            FieldCode::OutOfRange,
            "预计采购总额须为 0-1万亿元 / out of range",
        );
    }
    if req.ratio_bp > 10_000 {
        errors.add(
            "ratio_bp",
            FieldCode::OutOfRange,
            "比例不能超过 100% / at most 100%",
        );
    } else {
        // The rule of the unit's jurisdiction and year (DEFAULT_TARGET_BP where none).
        let unit = settings_row(db, &org).await?;
        for problem in crate::reporting::rules::filing_problems_for(
            db,
            &unit,
            req.year,
            req.expected_total_fen,
            req.ratio_bp,
        )
        .await?
        {
            errors.add("ratio_bp", FieldCode::BelowTarget, problem);
        }
    }
    if req
        .union_funds_fen
        .is_some_and(|u| !(0..=100_000_000_000_000).contains(&u))
    {
        errors.add(
            "union_funds_fen",
            FieldCode::OutOfRange,
            "金额超出范围 / out of range",
        );
    }
    let name_len = req.contact_name.trim().chars().count();
    if !(2..=50).contains(&name_len) {
        errors.add(
            "contact_name",
            FieldCode::NameLength,
            "联系人姓名为 2-50 字 / 2-50 characters",
        );
    }
    let phone = errors.check("contact_phone", Phone::parse(&req.contact_phone));
    if req.covered_units.len() > 200 {
        errors.add(
            "covered_units",
            FieldCode::TooMany,
            "最多 200 个单位 / at most 200 units",
        );
    }
    if req.note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        errors.add(
            "note",
            FieldCode::TooLong,
            "备注最多 500 字 / at most 500 characters",
        );
    }
    errors.into_result()?;
    let settings = settings_row(db, &org).await?;
    let txn = begin_write(db).await?;
    let versions = filings::Entity::find()
        .filter(filings::Column::UnitOrgId.eq(org_id))
        .filter(filings::Column::Year.eq(req.year))
        .order_by_desc(filings::Column::Version)
        .all(&txn)
        .await?;
    if versions.iter().any(|f| f.status == FilingStatus::Submitted) {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "上一版本仍在审核中 / a version is waiting for review",
        ));
    }
    let now = Utc::now();
    let version = versions.first().map_or(1, |f| f.version + 1);
    let saved = filings::ActiveModel {
        unit_org_id: Set(org_id),
        year: Set(req.year),
        version: Set(version),
        status: Set(FilingStatus::Submitted),
        canteen_mode: Set(settings.canteen_mode),
        expected_total_fen: Set(req.expected_total_fen),
        ratio_bp: Set(req.ratio_bp),
        reserved_fen: Set(crate::reporting::rules::reserved_amount(
            req.expected_total_fen,
            req.ratio_bp,
        )),
        union_funds_fen: Set(req.union_funds_fen),
        covered_units: Set(JsonText(req.covered_units)),
        contact_name: Set(req.contact_name.trim().to_owned()),
        contact_phone: Set(phone.map(|p| p.as_str().to_owned()).unwrap_or_default()),
        note: Set(req.note),
        created_by: Set(actor.user_id),
        submitted_at: Set(Some(now)),
        submitted_by: Set(Some(actor.user_id)),
        decided_at: Set(None),
        decided_by: Set(None),
        decision_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("filing.submit", "filing", saved.id).after(saved.reserved_fen),
    )
    .await?;
    txn.commit().await?;
    Ok(filing_view(&saved, &org.name))
}

/// Filings of a unit (its staff, supervisor, operators, regulators), newest first.
///
/// # Errors
/// 404.
pub async fn unit_filings(
    db: &DatabaseConnection,
    actor: &Actor,
    org_id: i64,
    q: FilingQuery,
) -> Result<Vec<Filing>, AppError> {
    let org = buyer_org(db, org_id).await?;
    if !may_read_unit(actor, &org) {
        return Err(AppError::NotFound);
    }
    let mut find = filings::Entity::find().filter(filings::Column::UnitOrgId.eq(org_id));
    if let Some(y) = q.year {
        find = find.filter(filings::Column::Year.eq(y));
    }
    if q.pending {
        find = find.filter(filings::Column::Status.eq(FilingStatus::Submitted));
    }
    Ok(find
        .order_by_desc(filings::Column::Year)
        .order_by_desc(filings::Column::Version)
        .all(db)
        .await?
        .iter()
        .map(|f| filing_view(f, &org.name))
        .collect())
}

/// Filings of the units that `supervisor_org_id` supervises (its admins, operators).
///
/// # Errors
/// 404 for anyone else.
pub async fn supervised_filings(
    db: &DatabaseConnection,
    actor: &Actor,
    supervisor_org_id: i64,
    q: FilingQuery,
) -> Result<Vec<Filing>, AppError> {
    if !actor.is_operator() && !holds(actor, supervisor_org_id, &[Role::UnitAdmin]) {
        return Err(AppError::NotFound);
    }
    let units = organizations::Entity::find()
        .filter(organizations::Column::ParentId.eq(supervisor_org_id))
        .all(db)
        .await?;
    let names: std::collections::HashMap<i64, String> =
        units.iter().map(|u| (u.id, u.name.clone())).collect();
    let mut find = filings::Entity::find()
        .filter(filings::Column::UnitOrgId.is_in(names.keys().copied().collect::<Vec<_>>()));
    if let Some(y) = q.year {
        find = find.filter(filings::Column::Year.eq(y));
    }
    if q.pending {
        find = find.filter(filings::Column::Status.eq(FilingStatus::Submitted));
    }
    Ok(find
        .order_by_asc(filings::Column::UnitOrgId)
        .order_by_desc(filings::Column::Version)
        .all(db)
        .await?
        .iter()
        .map(|f| filing_view(f, names.get(&f.unit_org_id).map_or("", String::as_str)))
        .collect())
}

/// The unit `unit_org_id` for a decision its supervising department takes (or an operator):
/// 404 to whoever may not read the unit, 403 `forbidden` (with `refused`) to anyone else.
///
/// # Errors
/// As above; database errors.
pub async fn require_supervisor(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    unit_org_id: i64,
    refused: &str,
) -> Result<organizations::Model, AppError> {
    let org = buyer_org(conn, unit_org_id).await?;
    if !may_read_unit(actor, &org) {
        return Err(AppError::NotFound);
    }
    if !actor.is_operator() && !supervises(actor, &org) {
        return Err(AppError::new(ErrorCode::Forbidden, refused.to_owned()));
    }
    Ok(org)
}

/// Approves a submitted filing (the unit's supervisor, operators): it is frozen, and an
/// earlier approved version of the year becomes `superseded`.
///
/// # Errors
/// 404; 403; 409 `invalid_state` unless it is submitted.
pub async fn decide_filing(
    db: &DatabaseConnection,
    actor: &Actor,
    filing_id: i64,
    approve: bool,
    reason: Option<String>,
) -> Result<Filing, AppError> {
    let filing = filings::Entity::find_by_id(filing_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let org = require_supervisor(
        db,
        actor,
        filing.unit_org_id,
        "只有主管部门可以审核填报 / only the supervising department reviews filings",
    )
    .await?;
    if !approve {
        let n = reason.as_deref().map_or(0, |r| r.trim().chars().count());
        if !(2..=500).contains(&n) {
            return Err(FieldErrors::single(
                "reason",
                FieldCode::ReasonLength,
                "退回须说明理由（2-500 字） / a return needs a reason",
            ));
        }
    }
    let txn = begin_write(db).await?;
    let now = Utc::now();
    if approve {
        filings::Entity::update_many()
            .col_expr(
                filings::Column::Status,
                sea_orm::sea_query::Expr::value(FilingStatus::Superseded),
            )
            .col_expr(
                filings::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(filings::Column::UnitOrgId.eq(filing.unit_org_id))
            .filter(filings::Column::Year.eq(filing.year))
            .filter(filings::Column::Status.eq(FilingStatus::Approved))
            .exec(&txn)
            .await?;
    }
    let status = if approve {
        FilingStatus::Approved
    } else {
        FilingStatus::Returned
    };
    let changed = filings::Entity::update_many()
        .col_expr(
            filings::Column::Status,
            sea_orm::sea_query::Expr::value(status),
        )
        .col_expr(
            filings::Column::DecidedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .col_expr(
            filings::Column::DecidedBy,
            sea_orm::sea_query::Expr::value(Some(actor.user_id)),
        )
        .col_expr(
            filings::Column::DecisionReason,
            sea_orm::sea_query::Expr::value(reason.clone().map(|r| r.trim().to_owned())),
        )
        .col_expr(
            filings::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(filings::Column::Id.eq(filing_id))
        .filter(filings::Column::Status.eq(FilingStatus::Submitted))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "该填报不在待审核状态 / the filing is not waiting for review",
        ));
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new(
            if approve {
                "filing.approve"
            } else {
                "filing.return"
            },
            "filing",
            filing_id,
        )
        .reason(reason),
    )
    .await?;
    txn.commit().await?;
    let saved = filings::Entity::find_by_id(filing_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(filing_view(&saved, &org.name))
}
