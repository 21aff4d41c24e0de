//! Supplier admission: registration, the application, documents, and the review workflow
//! draft -> submitted -> recommended -> approved / rejected, approved <-> suspended.

use std::collections::HashMap;

use bytes::Bytes;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::dto::{
    DocumentInfo, RegisterSupplier, Registered, SupplierProfile, SupplierQuery, UpdateProfile,
};
use super::model::{DocumentKind, SupplierStatus};
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::auth::authz::{self, OrgAction};
use crate::auth::{Actor, OrgKind, OrgStatus, Role, UserStatus, password};
use crate::db::begin_write;
use crate::domain::{Phone, RegionCode, Uscc, Username, mask_phone};
use crate::entities::{documents, organizations, regions, supplier_profiles, users};
use crate::error::{AppError, DbResultExt, ErrorCode, FieldCode, FieldErrors};
use crate::extract::{Cursor, PageParams};
use crate::regions::model::RegionLevel;

/// Roles that act for a supplier.
pub const SUPPLIER_ROLES: &[Role] = &[Role::SupplierAdmin, Role::SupplierStaff];

fn mask_account(account: &str) -> String {
    let digits: Vec<char> = account.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits.iter().skip(digits.len().saturating_sub(4)).collect();
    format!("**** **** **** {tail}")
}

pub(crate) fn document_info(d: documents::Model) -> DocumentInfo {
    DocumentInfo {
        url: format!("/api/documents/{}/file", d.id),
        id: d.id,
        kind: d.kind,
        filename: d.filename,
        content_type: d.content_type,
        size_bytes: d.size_bytes,
        created_at: d.created_at,
    }
}

async fn to_dtos(
    conn: &impl ConnectionTrait,
    rows: Vec<supplier_profiles::Model>,
) -> Result<Vec<SupplierProfile>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|p| p.org_id).collect();
    let orgs: HashMap<i64, String> = organizations::Entity::find()
        .filter(organizations::Column::Id.is_in(ids.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let counties: HashMap<String, String> = regions::Entity::find()
        .filter(
            regions::Column::Code.is_in(
                rows.iter()
                    .map(|p| p.registered_county_code.clone())
                    .collect::<Vec<_>>(),
            ),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect();
    let mut docs: HashMap<i64, Vec<DocumentInfo>> = HashMap::new();
    for d in documents::Entity::find()
        .filter(documents::Column::OrgId.is_in(ids))
        .order_by_desc(documents::Column::Id)
        .all(conn)
        .await?
    {
        docs.entry(d.org_id).or_default().push(document_info(d));
    }
    Ok(rows
        .into_iter()
        .map(|p| SupplierProfile {
            org_name: orgs.get(&p.org_id).cloned().unwrap_or_default(),
            registered_county_name: counties.get(&p.registered_county_code).cloned(),
            documents: docs.remove(&p.org_id).unwrap_or_default(),
            org_id: p.org_id,
            status: p.status,
            legal_name: p.legal_name,
            uscc: p.uscc,
            registered_county_code: p.registered_county_code,
            contact_name: p.contact_name,
            contact_phone_masked: p.contact_phone.as_deref().map(mask_phone),
            bank_name: p.bank_name,
            bank_account_masked: p.bank_account.as_deref().map(mask_account),
            farmer_links: p.farmer_links,
            is_agent: p.is_agent,
            recommendation: p.recommendation,
            decision_reason: p.decision_reason,
            submitted_at: p.submitted_at,
            decided_at: p.decided_at,
        })
        .collect())
}

/// Checks that a county may register suppliers: a county-level region covered by a pairing
/// valid today.
///
/// # Errors
/// Database errors.
pub async fn check_partner_county(
    conn: &impl ConnectionTrait,
    errors: &mut FieldErrors,
    field: &str,
    code: &str,
) -> Result<(), AppError> {
    let Some(code) = errors.check(field, RegionCode::parse(code)) else {
        return Ok(());
    };
    match regions::Entity::find_by_id(code.as_str().to_owned())
        .one(conn)
        .await?
    {
        None => errors.add(
            field,
            FieldCode::UnknownRegion,
            "地区不存在 / unknown region",
        ),
        Some(r) if r.level != RegionLevel::County => {
            errors.add(
                field,
                FieldCode::WrongRegionLevel,
                "请选择县级地区 / choose a county",
            );
        }
        Some(r) => {
            let today = crate::time::business_date(Utc::now());
            if crate::regions::service::pairing_on(conn, &r.code, today)
                .await?
                .is_none()
            {
                errors.add(
                    field,
                    FieldCode::NotPartnerCounty,
                    "注册地不是协作地区 / the registered county is not a partner county",
                );
            }
        }
    }
    Ok(())
}

/// Public registration: the organisation, its admin (logged in afterwards with the chosen
/// password) and a draft application, in one transaction.
///
/// # Errors
/// 422 for bad fields or taken names, logins and codes.
pub async fn register(state: &AppState, req: RegisterSupplier) -> Result<Registered, AppError> {
    let mut errors = FieldErrors::new();
    let name = req.name.trim().to_owned();
    if !(2..=100).contains(&name.chars().count()) {
        errors.add(
            "name",
            FieldCode::NameLength,
            "名称应为2-100个字符 / 2-100 characters",
        );
    }
    let uscc = errors.check("uscc", Uscc::parse(&req.uscc));
    let phone = errors.check("contact_phone", Phone::parse(&req.contact_phone));
    let username = errors.check("username", Username::parse(&req.username));
    let contact = req.contact_name.trim().to_owned();
    if !(1..=50).contains(&contact.chars().count()) {
        errors.add(
            "contact_name",
            FieldCode::NameLength,
            "联系人应为1-50个字符 / 1-50 characters",
        );
    }
    if let Err(AppError::Validation(e)) = password::check_policy(&req.password) {
        let _ = e; // the message is the same; the field is `password`
        errors.add(
            "password",
            FieldCode::PasswordPolicy,
            "密码至少8位且不能全为数字 / at least 8 characters, not digits only",
        );
    }
    check_partner_county(
        &state.db,
        &mut errors,
        "registered_county_code",
        &req.registered_county_code,
    )
    .await?;
    errors.into_result()?;
    let (Some(uscc), Some(phone), Some(username)) = (uscc, phone, username) else {
        return Err(AppError::NotFound);
    };
    let hash = password::hash(req.password).await?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let org = organizations::ActiveModel {
        kind: Set(OrgKind::Supplier),
        name: Set(name.clone()),
        status: Set(OrgStatus::Active),
        uscc: Set(Some(uscc.as_str().to_owned())),
        region_code: Set(Some(req.registered_county_code.clone())),
        category: Set(None),
        helper_district_code: Set(None),
        parent_id: Set(None),
        contact_name: Set(Some(contact.clone())),
        contact_phone: Set(Some(phone.as_str().to_owned())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .on_uniques(&[
        ("uq_organizations_kind_name", "name"),
        ("uq_organizations_uscc", "uscc"),
    ])?;
    let user = users::ActiveModel {
        username: Set(Some(username.into())),
        phone: Set(Some(phone.as_str().to_owned())),
        display_name: Set(contact.clone()),
        password_hash: Set(Some(hash)),
        status: Set(UserStatus::Active),
        password_changed_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .on_uniques(&[
        ("uq_users_username", "username"),
        ("uq_users_phone", "contact_phone"),
    ])?;
    crate::auth::grants::grant(&txn, user.id, org.id, Role::SupplierAdmin, None).await?;
    supplier_profiles::ActiveModel {
        org_id: Set(org.id),
        status: Set(SupplierStatus::Draft),
        legal_name: Set(name),
        uscc: Set(uscc.as_str().to_owned()),
        registered_county_code: Set(req.registered_county_code),
        contact_name: Set(Some(contact)),
        contact_phone: Set(Some(phone.as_str().to_owned())),
        bank_name: Set(None),
        bank_account: Set(None),
        farmer_links: Set(None),
        is_agent: Set(false),
        recommendation: Set(None),
        decision_reason: Set(None),
        submitted_at: Set(None),
        decided_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        None,
        AuditEvent::new("supplier.register", "organization", org.id)
            .after(serde_json::json!({"name": org.name, "user_id": user.id})),
    )
    .await?;
    txn.commit().await?;
    Ok(Registered {
        org_id: org.id,
        user_id: user.id,
    })
}

/// Loads the profile of a supplier organisation, creating a draft from the organisation's own
/// data when an operator created the organisation without one.
async fn load_or_init(
    conn: &impl ConnectionTrait,
    org_id: i64,
) -> Result<supplier_profiles::Model, AppError> {
    if let Some(p) = supplier_profiles::Entity::find_by_id(org_id)
        .one(conn)
        .await?
    {
        return Ok(p);
    }
    let org = organizations::Entity::find_by_id(org_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if org.kind != OrgKind::Supplier {
        return Err(AppError::NotFound);
    }
    let now = Utc::now();
    Ok(supplier_profiles::ActiveModel {
        org_id: Set(org.id),
        status: Set(SupplierStatus::Draft),
        legal_name: Set(org.name),
        uscc: Set(org.uscc.unwrap_or_default()),
        registered_county_code: Set(org.region_code.unwrap_or_default()),
        contact_name: Set(org.contact_name),
        contact_phone: Set(org.contact_phone),
        bank_name: Set(None),
        bank_account: Set(None),
        farmer_links: Set(None),
        is_agent: Set(false),
        recommendation: Set(None),
        decision_reason: Set(None),
        submitted_at: Set(None),
        decided_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?)
}

/// The application of a supplier (its staff, operators).
///
/// # Errors
/// 404/403 per the authorisation rules.
pub async fn get(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
) -> Result<SupplierProfile, AppError> {
    authz::authorize_org_role(actor, org_id, SUPPLIER_ROLES)?;
    let txn = begin_write(&state.db).await?;
    let profile = load_or_init(&txn, org_id).await?;
    let dto = to_dtos(&txn, vec![profile]).await?.remove(0);
    txn.commit().await?;
    Ok(dto)
}

/// Supplier profiles for operators, e.g. the review queue (`status=submitted`).
///
/// # Errors
/// 403 for non-operators.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    q: SupplierQuery,
) -> Result<(Vec<SupplierProfile>, Option<String>), AppError> {
    authz::require_operator(actor)?;
    let page = PageParams {
        cursor: q.cursor,
        limit: q.limit,
    };
    let limit = page.limit();
    let mut query = supplier_profiles::Entity::find()
        .order_by_asc(supplier_profiles::Column::OrgId)
        .limit(limit);
    if let Some(s) = q.status {
        query = query.filter(supplier_profiles::Column::Status.eq(s));
    }
    if let Some(Cursor(after)) = page.cursor()? {
        query = query.filter(supplier_profiles::Column::OrgId.gt(after));
    }
    let items = to_dtos(&state.db, query.all(&state.db).await?).await?;
    let next = Cursor::next(&items, limit, |p| p.org_id);
    Ok((items, next))
}

/// Updates a draft or rejected application (the supplier's admin).
///
/// # Errors
/// 404/403; 409 `invalid_state` once submitted; 422 for bad fields.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    req: UpdateProfile,
) -> Result<SupplierProfile, AppError> {
    authz::authorize_org_role(actor, org_id, &[Role::SupplierAdmin])?;
    let mut errors = FieldErrors::new();
    let phone = req
        .contact_phone
        .as_deref()
        .and_then(|p| errors.check("contact_phone", Phone::parse(p)));
    if let Some(acct) = &req.bank_account {
        let digits = acct
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>();
        if !(8..=32).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            errors.add(
                "bank_account",
                FieldCode::BankAccountFormat,
                "银行账号应为8-32位数字 / 8-32 digits",
            );
        }
    }
    if req
        .legal_name
        .as_ref()
        .is_some_and(|n| !(2..=100).contains(&n.trim().chars().count()))
    {
        errors.add(
            "legal_name",
            FieldCode::NameLength,
            "名称应为2-100个字符 / 2-100 characters",
        );
    }
    errors.into_result()?;
    let txn = begin_write(&state.db).await?;
    let current = load_or_init(&txn, org_id).await?;
    let status = current.status;
    if !matches!(status, SupplierStatus::Draft | SupplierStatus::Rejected) {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "申请已提交，不能修改 / the application can no longer be changed",
        ));
    }
    let mut active = current.into_active_model();
    if let Some(v) = req.legal_name {
        active.legal_name = Set(v.trim().to_owned());
    }
    if let Some(v) = req.contact_name {
        active.contact_name = Set(Some(v.trim().to_owned()));
    }
    if let Some(p) = phone {
        active.contact_phone = Set(Some(p.as_str().to_owned()));
    }
    if let Some(v) = req.bank_name {
        active.bank_name = Set(Some(v.trim().to_owned()));
    }
    if let Some(v) = req.bank_account {
        active.bank_account = Set(Some(v.chars().filter(|c| !c.is_whitespace()).collect()));
    }
    if let Some(v) = req.farmer_links {
        active.farmer_links = Set(Some(v));
    }
    if let Some(v) = req.is_agent {
        active.is_agent = Set(v);
    }
    active.updated_at = Set(Utc::now());
    let row = active.update(&txn).await?;
    let dto = to_dtos(&txn, vec![row]).await?.remove(0);
    txn.commit().await?;
    Ok(dto)
}

/// The transitions of the admission workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The supplier sends its application (needs a business licence and farmer-link evidence).
    Submit,
    /// An operator records the county department's recommendation.
    Recommend,
    /// An operator admits the supplier.
    Approve,
    /// An operator refuses, with a reason.
    Reject,
    /// An operator suspends an admitted supplier, with a reason.
    Suspend,
    /// An operator lifts a suspension.
    Reinstate,
}

impl Transition {
    fn allowed_from(self) -> &'static [SupplierStatus] {
        match self {
            Transition::Submit => &[SupplierStatus::Draft, SupplierStatus::Rejected],
            Transition::Recommend => &[SupplierStatus::Submitted],
            Transition::Approve => &[SupplierStatus::Recommended],
            Transition::Reject => &[SupplierStatus::Submitted, SupplierStatus::Recommended],
            Transition::Suspend => &[SupplierStatus::Approved],
            Transition::Reinstate => &[SupplierStatus::Suspended],
        }
    }

    fn target(self) -> SupplierStatus {
        match self {
            Transition::Submit => SupplierStatus::Submitted,
            Transition::Recommend => SupplierStatus::Recommended,
            Transition::Approve | Transition::Reinstate => SupplierStatus::Approved,
            Transition::Reject => SupplierStatus::Rejected,
            Transition::Suspend => SupplierStatus::Suspended,
        }
    }

    fn action(self) -> &'static str {
        match self {
            Transition::Submit => "supplier.submit",
            Transition::Recommend => "supplier.recommend",
            Transition::Approve => "supplier.approve",
            Transition::Reject => "supplier.reject",
            Transition::Suspend => "supplier.suspend",
            Transition::Reinstate => "supplier.reinstate",
        }
    }

    fn needs_reason(self) -> bool {
        matches!(
            self,
            Transition::Reject | Transition::Suspend | Transition::Recommend
        )
    }
}

/// Moves an application through the workflow, audited with who, when and why. Approval,
/// suspension and reinstatement change what the supplier's products count as, so they are
/// re-indexed.
///
/// # Errors
/// 404/403 per the authorisation rules; 409 `invalid_state`; 422 when a reason or a required
/// document is missing.
pub async fn transition(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    t: Transition,
    reason: Option<String>,
) -> Result<SupplierProfile, AppError> {
    if t == Transition::Submit {
        authz::authorize_org_role(actor, org_id, &[Role::SupplierAdmin])?;
    } else {
        authz::require_operator(actor)?;
    }
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if t.needs_reason() && reason.is_none() {
        return Err(FieldErrors::single(
            "reason",
            FieldCode::Required,
            "请填写原因或推荐意见 / a reason is required",
        ));
    }
    let txn = begin_write(&state.db).await?;
    let current = load_or_init(&txn, org_id).await?;
    let from = current.status;
    if !t.allowed_from().contains(&from) {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            format!("当前状态（{from}）不能执行此操作 / not allowed from status {from}"),
        ));
    }
    if t == Transition::Submit {
        let kinds: Vec<DocumentKind> = documents::Entity::find()
            .select_only()
            .column(documents::Column::Kind)
            .filter(documents::Column::OrgId.eq(org_id))
            .into_tuple()
            .all(&txn)
            .await?;
        let mut errors = FieldErrors::new();
        if !kinds.contains(&DocumentKind::BusinessLicence) {
            errors.add(
                "documents",
                FieldCode::BusinessLicenceMissing,
                "请上传营业执照 / upload the business licence",
            );
        }
        if current
            .farmer_links
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
            && !kinds.contains(&DocumentKind::FarmerEvidence)
        {
            errors.add(
                "farmer_links",
                FieldCode::FarmerLinksMissing,
                "请说明联农带农情况 / describe the links to local farmers",
            );
        }
        if current.bank_account.is_none() {
            errors.add(
                "bank_account",
                FieldCode::Required,
                "请填写结算账户 / a settlement account is required",
            );
        }
        errors.into_result()?;
    }
    let now = Utc::now();
    let mut active = current.into_active_model();
    active.status = Set(t.target());
    active.updated_at = Set(now);
    match t {
        Transition::Submit => active.submitted_at = Set(Some(now)),
        Transition::Recommend => active.recommendation = Set(reason.clone()),
        _ => {
            active.decided_at = Set(Some(now));
            active.decision_reason = Set(reason.clone());
        }
    }
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new(t.action(), "supplier", org_id)
            .before(serde_json::json!({"status": from}))
            .after(serde_json::json!({"status": t.target()}))
            .reason(reason),
    )
    .await?;
    let changes_listing = matches!(
        t,
        Transition::Approve | Transition::Suspend | Transition::Reinstate
    );
    if changes_listing {
        crate::catalog::touch_supplier_products(&txn, org_id).await?;
    }
    let dto = to_dtos(&txn, vec![row]).await?.remove(0);
    txn.commit().await?;
    if changes_listing {
        state.catalog.changed(state).await;
    }
    Ok(dto)
}

/// Whether a supplier is admitted (may list and sell).
///
/// # Errors
/// Database errors.
pub async fn is_approved(conn: &impl ConnectionTrait, org_id: i64) -> Result<bool, AppError> {
    Ok(supplier_profiles::Entity::find_by_id(org_id)
        .one(conn)
        .await?
        .is_some_and(|p| p.status == SupplierStatus::Approved))
}

/// Stores an uploaded document of an organisation (PDF, JPEG or PNG by its bytes).
///
/// # Errors
/// 404/403; 422 for an unknown kind, an empty or unrecognised file.
pub async fn upload_document(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    kind: Option<String>,
    filename: Option<String>,
    bytes: Bytes,
) -> Result<DocumentInfo, AppError> {
    authz::authorize_org(
        actor,
        org_id,
        OrgAction::WithRole(&[
            Role::SupplierAdmin,
            Role::SupplierStaff,
            Role::UnitAdmin,
            Role::Buyer,
            Role::UnionAdmin,
        ]),
    )?;
    let mut errors = FieldErrors::new();
    let kind = match kind.as_deref().map(DocumentKind::parse) {
        Some(Some(k)) => Some(k),
        _ => {
            errors.add(
                "kind",
                FieldCode::InvalidKind,
                "请选择文件类型 / choose the document kind",
            );
            None
        }
    };
    let content_type = crate::media::process::document_type(&bytes);
    if bytes.is_empty() || content_type.is_none() {
        errors.add(
            "file",
            FieldCode::DocumentUnsupportedFormat,
            "仅支持 PDF、JPEG、PNG 文件 / PDF, JPEG or PNG only",
        );
    }
    if bytes.len() > crate::media::process::MAX_UPLOAD_BYTES {
        errors.add(
            "file",
            FieldCode::DocumentTooLarge,
            "文件不能超过10MB / at most 10 MB",
        );
    }
    errors.into_result()?;
    let (Some(kind), Some(content_type)) = (kind, content_type) else {
        return Err(AppError::NotFound);
    };
    let filename: String = filename
        .unwrap_or_else(|| "document".to_owned())
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .take(120)
        .collect();
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let key = crate::media::store_document(state, bytes).await?;
    let txn = begin_write(&state.db).await?;
    let row = documents::ActiveModel {
        org_id: Set(org_id),
        kind: Set(kind),
        file_key: Set(key),
        filename: Set(filename),
        content_type: Set(content_type.to_owned()),
        size_bytes: Set(size),
        uploaded_by: Set(Some(actor.user_id)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("document.upload", "document", row.id)
            .after(serde_json::json!({"org_id": org_id, "kind": kind})),
    )
    .await?;
    txn.commit().await?;
    Ok(document_info(row))
}

/// Documents of an organisation.
///
/// # Errors
/// 404 for strangers.
pub async fn list_documents(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
) -> Result<Vec<DocumentInfo>, AppError> {
    authz::authorize_org(actor, org_id, OrgAction::View)?;
    Ok(documents::Entity::find()
        .filter(documents::Column::OrgId.eq(org_id))
        .order_by_desc(documents::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(document_info)
        .collect())
}

/// A document's bytes and type (its organisation's staff, operators).
///
/// # Errors
/// 404 for strangers and unknown documents.
pub async fn document_file(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<(documents::Model, Bytes), AppError> {
    let doc = documents::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    authz::authorize_org(actor, doc.org_id, OrgAction::View)?;
    let bytes = crate::media::read_document(state, &doc.file_key).await?;
    Ok((doc, bytes))
}
