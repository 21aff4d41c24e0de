//! Rules for organisations and their staff.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};

use super::dto::{
    AddMember, AddedMember, CreateOrg, Org, OrgMember, OrgQuery, SetOrgStatus, UpdateOrg,
};
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::auth::authz::{self, OrgAction};
use crate::auth::{Actor, OrgKind, OrgStatus, Role, UserStatus, session, token};
use crate::db::begin_write;
use crate::domain::{Phone, RegionCode, Uscc, Username, mask_phone};
use crate::entities::{invitations, organizations, regions, user_roles, users};
use crate::error::{AppError, DbResultExt, ErrorCode, FieldCode, FieldErrors};
use crate::extract::{Cursor, PageParams};
use crate::regions::model::RegionLevel;

/// How long an invitation stays valid.
const INVITATION_TTL: Duration = Duration::days(7);

/// Maps a row to the API shape; `region_names` resolves region codes.
fn to_dto(m: organizations::Model, region_names: &HashMap<String, String>) -> Org {
    Org {
        id: m.id,
        kind: m.kind,
        region_name: m
            .region_code
            .as_ref()
            .and_then(|c| region_names.get(c).cloned()),
        name: m.name,
        status: m.status,
        uscc: m.uscc,
        region_code: m.region_code,
        category: m.category,
        helper_district_code: m.helper_district_code,
        parent_id: m.parent_id,
        contact_name: m.contact_name,
        contact_phone_masked: m.contact_phone.as_deref().map(mask_phone),
        created_at: m.created_at,
    }
}

async fn to_dtos(
    conn: &impl ConnectionTrait,
    rows: Vec<organizations::Model>,
) -> Result<Vec<Org>, AppError> {
    let codes: Vec<String> = rows.iter().filter_map(|o| o.region_code.clone()).collect();
    let names: HashMap<String, String> = if codes.is_empty() {
        HashMap::new()
    } else {
        regions::Entity::find()
            .filter(regions::Column::Code.is_in(codes))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| (r.code, r.name))
            .collect()
    };
    Ok(rows.into_iter().map(|m| to_dto(m, &names)).collect())
}

/// Organisations the actor may see: all for operators, their own for everyone else.
///
/// # Errors
/// 400 for a bad cursor; database errors.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    q: OrgQuery,
) -> Result<(Vec<Org>, Option<String>), AppError> {
    let page = PageParams {
        cursor: q.cursor,
        limit: q.limit,
    };
    let limit = page.limit();
    let mut query = organizations::Entity::find()
        .order_by_asc(organizations::Column::Id)
        .limit(limit);
    if !actor.is_operator() {
        let own: Vec<i64> = actor.grants.iter().map(|g| g.org_id).collect();
        query = query.filter(organizations::Column::Id.is_in(own));
    }
    if let Some(kind) = q.kind {
        query = query.filter(organizations::Column::Kind.eq(kind));
    }
    if let Some(status) = q.status {
        query = query.filter(organizations::Column::Status.eq(status));
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        query = query.filter(organizations::Column::Name.contains(text));
    }
    if let Some(Cursor(after)) = page.cursor()? {
        query = query.filter(organizations::Column::Id.gt(after));
    }
    let items = to_dtos(&state.db, query.all(&state.db).await?).await?;
    let next = Cursor::next(&items, limit, |o| o.id);
    Ok((items, next))
}

/// Every organisation with the list's filters (kind, status, name) as an XLSX workbook, at most
/// [`crate::export::MAX_ROWS`] rows, contact phones masked (operators).
///
/// # Errors
/// 403 for anyone but an operator.
pub async fn export(state: &AppState, actor: &Actor, q: OrgQuery) -> Result<Vec<u8>, AppError> {
    use crate::export::Cell;
    authz::require_operator(actor)?;
    let mut query = organizations::Entity::find()
        .order_by_asc(organizations::Column::Id)
        .limit(crate::export::MAX_ROWS);
    if let Some(kind) = q.kind {
        query = query.filter(organizations::Column::Kind.eq(kind));
    }
    if let Some(status) = q.status {
        query = query.filter(organizations::Column::Status.eq(status));
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        query = query.filter(organizations::Column::Name.contains(text));
    }
    let items = to_dtos(&state.db, query.all(&state.db).await?).await?;
    let headers = [
        "编号 Id",
        "机构名称 Name",
        "机构类型 Kind",
        "状态 Status",
        "统一社会信用代码 USCC",
        "所在地区 Region",
        "类别 Category",
        "联系人 Contact",
        "联系电话 Phone",
        "创建时间 Created (UTC+8)",
    ];
    let rows: Vec<Vec<Cell>> = items
        .into_iter()
        .map(|o| {
            vec![
                o.id.into(),
                o.name.into(),
                kind_zh(o.kind).into(),
                match o.status {
                    OrgStatus::Active => "正常",
                    OrgStatus::Suspended => "已停用",
                }
                .into(),
                o.uscc.unwrap_or_default().into(),
                o.region_name.unwrap_or_default().into(),
                o.category.map_or("", category_zh).into(),
                o.contact_name.unwrap_or_default().into(),
                o.contact_phone_masked.unwrap_or_default().into(),
                (o.created_at + Duration::hours(8))
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
                    .into(),
            ]
        })
        .collect();
    crate::export::workbook("机构", &headers, &rows)
}

const fn kind_zh(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Platform => "平台",
        OrgKind::Union => "工会",
        OrgKind::BudgetUnit => "预算单位",
        OrgKind::Supplier => "供应商",
        OrgKind::Jurisdiction => "监管辖区",
        OrgKind::HelperDistrict => "帮扶区",
    }
}

const fn category_zh(c: crate::auth::BudgetCategory) -> &'static str {
    use crate::auth::BudgetCategory as C;
    match c {
        C::Agency => "机关",
        C::Soe => "国有企业",
        C::School => "学校",
        C::Hospital => "医院",
        C::CommunityCanteen => "社区食堂",
    }
}

/// One organisation (authorised: 404 for strangers).
///
/// # Errors
/// 404 when unknown or not the actor's.
pub async fn get(state: &AppState, actor: &Actor, id: i64) -> Result<Org, AppError> {
    authz::authorize_org(actor, id, OrgAction::View)?;
    let row = organizations::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(to_dtos(&state.db, vec![row]).await?.remove(0))
}

fn check_name(errors: &mut FieldErrors, name: &str) {
    let n = name.trim().chars().count();
    if !(2..=100).contains(&n) {
        errors.add(
            "name",
            FieldCode::NameLength,
            "名称应为2-100个字符 / 2-100 characters",
        );
    }
}

/// Checks that `code` names a region of one of `levels`; records a field error otherwise.
async fn check_region(
    conn: &impl ConnectionTrait,
    errors: &mut FieldErrors,
    field: &str,
    code: Option<&str>,
    levels: &[RegionLevel],
) -> Result<Option<regions::Model>, AppError> {
    let Some(code) = code else {
        errors.add(field, FieldCode::Required, "必填 / required");
        return Ok(None);
    };
    let Some(code) = errors.check(field, RegionCode::parse(code)) else {
        return Ok(None);
    };
    let region = regions::Entity::find_by_id(code.as_str().to_owned())
        .one(conn)
        .await?;
    match &region {
        None => errors.add(
            field,
            FieldCode::UnknownRegion,
            "地区不存在 / unknown region",
        ),
        Some(r) if !levels.contains(&r.level) => {
            errors.add(
                field,
                FieldCode::WrongRegionLevel,
                "地区层级不符 / region of the wrong level",
            );
        }
        Some(_) => {}
    }
    Ok(region)
}

/// Creates an organisation (operators), checking what its kind requires.
///
/// # Errors
/// 422 with field errors; 403 for non-operators.
pub async fn create(state: &AppState, actor: &Actor, req: CreateOrg) -> Result<Org, AppError> {
    authz::require_operator(actor)?;
    let mut errors = FieldErrors::new();
    check_name(&mut errors, &req.name);
    let uscc = match req.uscc.as_deref() {
        Some(u) => errors.check("uscc", Uscc::parse(u)),
        None if req.kind == OrgKind::Supplier => {
            errors.add(
                "uscc",
                FieldCode::Required,
                "供应商须填写统一社会信用代码 / required for suppliers",
            );
            None
        }
        None => None,
    };
    let contact_phone = match req.contact_phone.as_deref() {
        Some(p) => errors.check("contact_phone", Phone::parse(p)),
        None => None,
    };
    let db = &state.db;
    match req.kind {
        OrgKind::Supplier => {
            let county = check_region(
                db,
                &mut errors,
                "region_code",
                req.region_code.as_deref(),
                &[RegionLevel::County],
            )
            .await?;
            if let Some(county) = county {
                let today = crate::time::business_date(Utc::now());
                if crate::regions::service::pairing_on(db, &county.code, today)
                    .await?
                    .is_none()
                {
                    errors.add(
                        "region_code",
                        FieldCode::NotPartnerCounty,
                        "注册地不是协作地区 / the registered county is not a partner county",
                    );
                }
            }
        }
        OrgKind::BudgetUnit => {
            if req.category.is_none() {
                errors.add(
                    "category",
                    FieldCode::Required,
                    "请选择单位类别 / required for budget units",
                );
            }
            check_region(
                db,
                &mut errors,
                "helper_district_code",
                req.helper_district_code.as_deref(),
                &[RegionLevel::District, RegionLevel::City],
            )
            .await?;
        }
        OrgKind::Jurisdiction | OrgKind::HelperDistrict => {
            check_region(
                db,
                &mut errors,
                "region_code",
                req.region_code.as_deref(),
                &[
                    RegionLevel::Province,
                    RegionLevel::City,
                    RegionLevel::District,
                ],
            )
            .await?;
        }
        OrgKind::Union | OrgKind::Platform => {
            if let Some(code) = req.region_code.as_deref() {
                let levels = [RegionLevel::City, RegionLevel::District];
                check_region(db, &mut errors, "region_code", Some(code), &levels).await?;
            }
        }
    }
    if req.category.is_some() && req.kind != OrgKind::BudgetUnit {
        errors.add(
            "category",
            FieldCode::NotApplicable,
            "仅预算单位有类别 / only budget units have a category",
        );
    }
    if let Some(parent_id) = req.parent_id {
        let parent = organizations::Entity::find_by_id(parent_id).one(db).await?;
        if parent.is_none_or(|p| p.kind != req.kind) {
            errors.add(
                "parent_id",
                FieldCode::InvalidParent,
                "上级机构不存在或类型不同 / unknown parent or of another kind",
            );
        }
    }
    errors.into_result()?;

    let now = Utc::now();
    let txn = begin_write(db).await?;
    let row = organizations::ActiveModel {
        kind: Set(req.kind),
        name: Set(req.name.trim().to_owned()),
        status: Set(OrgStatus::Active),
        uscc: Set(uscc.map(String::from)),
        region_code: Set(req.region_code),
        category: Set(req.category),
        helper_district_code: Set(req.helper_district_code),
        parent_id: Set(req.parent_id),
        contact_name: Set(req.contact_name.map(|n| n.trim().to_owned())),
        contact_phone: Set(contact_phone.map(String::from)),
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
    let org = to_dtos(&txn, vec![row]).await?.remove(0);
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("org.create", "organization", org.id).after(&org),
    )
    .await?;
    txn.commit().await?;
    Ok(org)
}

/// Changes an organisation's name or contact (its admins or operators).
///
/// # Errors
/// 404/403 per the authorisation rules; 422 for bad values.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    req: UpdateOrg,
) -> Result<Org, AppError> {
    authz::authorize_org(actor, id, OrgAction::Edit)?;
    let mut errors = FieldErrors::new();
    if let Some(name) = &req.name {
        check_name(&mut errors, name);
    }
    let phone = match req.contact_phone.as_deref() {
        Some(p) => errors.check("contact_phone", Phone::parse(p)),
        None => None,
    };
    errors.into_result()?;
    let txn = begin_write(&state.db).await?;
    let current = organizations::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = to_dtos(&txn, vec![current.clone()]).await?.remove(0);
    let mut active = current.into_active_model();
    if let Some(name) = req.name {
        active.name = Set(name.trim().to_owned());
    }
    if let Some(contact) = req.contact_name {
        active.contact_name = Set(Some(contact.trim().to_owned()));
    }
    if let Some(phone) = phone {
        active.contact_phone = Set(Some(phone.into()));
    }
    active.updated_at = Set(Utc::now());
    let row = active
        .update(&txn)
        .await
        .on_unique("uq_organizations_kind_name", "name")?;
    let after = to_dtos(&txn, vec![row]).await?.remove(0);
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("org.update", "organization", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Suspends or reactivates an organisation (operators). Roles in a suspended organisation
/// stop counting at once.
///
/// # Errors
/// 403 for non-operators; 404 when unknown; 422 without a reason.
pub async fn set_status(
    state: &AppState,
    actor: &Actor,
    id: i64,
    req: SetOrgStatus,
) -> Result<Org, AppError> {
    authz::require_operator(actor)?;
    if req.reason.trim().is_empty() {
        return Err(FieldErrors::single(
            "reason",
            FieldCode::Required,
            "请填写原因 / a reason is required",
        ));
    }
    let txn = begin_write(&state.db).await?;
    let current = organizations::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.kind == OrgKind::Platform && req.status == OrgStatus::Suspended {
        return Err(AppError::new(
            ErrorCode::CannotSuspendPlatform,
            "不能停用平台机构 / the platform cannot be suspended",
        ));
    }
    let before = current.status;
    let mut active = current.into_active_model();
    active.status = Set(req.status);
    active.updated_at = Set(Utc::now());
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("org.status", "organization", id)
            .before(serde_json::json!({ "status": before }))
            .after(serde_json::json!({ "status": row.status }))
            .reason(Some(req.reason)),
    )
    .await?;
    let org = to_dtos(&txn, vec![row]).await?.remove(0);
    txn.commit().await?;
    // Roles in a suspended organisation stop counting at once, on every instance.
    state.sessions.all_changed().await;
    Ok(org)
}

/// The staff of an organisation with their roles there (admins and operators).
///
/// # Errors
/// 404/403 per the authorisation rules.
pub async fn members(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    page: PageParams,
) -> Result<(Vec<OrgMember>, Option<String>), AppError> {
    authz::authorize_org(actor, org_id, OrgAction::ManageStaff)?;
    organizations::Entity::find_by_id(org_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let limit = page.limit();
    // One page of user ids first, then their grants and rows: three queries per page.
    let mut ids_query = user_roles::Entity::find()
        .select_only()
        .column(user_roles::Column::UserId)
        .distinct()
        .filter(user_roles::Column::OrgId.eq(org_id))
        .order_by_asc(user_roles::Column::UserId)
        .limit(limit);
    if let Some(Cursor(after)) = page.cursor()? {
        ids_query = ids_query.filter(user_roles::Column::UserId.gt(after));
    }
    let ids: Vec<i64> = ids_query.into_tuple().all(&state.db).await?;
    let grants = user_roles::Entity::find()
        .filter(user_roles::Column::OrgId.eq(org_id))
        .filter(user_roles::Column::UserId.is_in(ids.clone()))
        .all(&state.db)
        .await?;
    let mut roles: BTreeMap<i64, Vec<Role>> = BTreeMap::new();
    for g in grants {
        roles.entry(g.user_id).or_default().push(g.role);
    }
    let people = users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .order_by_asc(users::Column::Id)
        .all(&state.db)
        .await?;
    let items: Vec<OrgMember> = people
        .into_iter()
        .map(|u| OrgMember {
            roles: roles.remove(&u.id).unwrap_or_default(),
            user_id: u.id,
            display_name: u.display_name,
            username: u.username,
            phone_masked: u.phone.as_deref().map(mask_phone),
            status: u.status,
        })
        .collect();
    let next = Cursor::next(&items, limit, |m| m.user_id);
    Ok((items, next))
}

/// Adds a person to an organisation with a role. An unknown person becomes an invited user
/// and gets a one-time invitation token.
///
/// # Errors
/// 404/403 per the authorisation rules (403 also when the actor may not grant this role);
/// 422 for bad input; 409 `login_conflict` when username and phone name two different users.
pub async fn add_member(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    req: AddMember,
) -> Result<AddedMember, AppError> {
    authz::authorize_org(actor, org_id, OrgAction::ManageStaff)?;
    let org = organizations::Entity::find_by_id(org_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    if req.role.org_kind() != org.kind {
        errors.add(
            "role",
            FieldCode::RoleNotForOrgKind,
            "该角色不属于此类机构 / this role does not belong to this kind of organisation",
        );
    } else if !authz::may_grant(actor, org_id, req.role) {
        return Err(AppError::Forbidden);
    }
    let display_name = req.display_name.trim().to_owned();
    if !(1..=50).contains(&display_name.chars().count()) {
        errors.add(
            "display_name",
            FieldCode::NameLength,
            "姓名应为1-50个字符 / 1-50 characters",
        );
    }
    let username = req
        .username
        .as_deref()
        .and_then(|u| errors.check("username", Username::parse(u)))
        .map(String::from);
    let phone = req
        .phone
        .as_deref()
        .and_then(|p| errors.check("phone", Phone::parse(p)));
    if req.username.is_none() && req.phone.is_none() {
        errors.add(
            "phone",
            FieldCode::Required,
            "用户名和手机号至少填一项 / give a username or a phone",
        );
    }
    errors.into_result()?;

    let txn = begin_write(&state.db).await?;
    let mut condition = Condition::any();
    if let Some(u) = &username {
        condition = condition.add(users::Column::Username.eq(u.clone()));
    }
    if let Some(p) = &phone {
        condition = condition.add(users::Column::Phone.eq(p.as_str()));
    }
    let matches = users::Entity::find().filter(condition).all(&txn).await?;
    if matches.len() > 1 {
        return Err(AppError::new(
            ErrorCode::LoginConflict,
            "用户名与手机号分属不同用户 / username and phone belong to different users",
        ));
    }
    let now = Utc::now();
    let (user, created) = match matches.into_iter().next() {
        Some(u) => (u, false),
        None => {
            let u = users::ActiveModel {
                username: Set(username.clone()),
                phone: Set(phone.clone().map(String::from)),
                display_name: Set(display_name),
                password_hash: Set(None),
                status: Set(UserStatus::Invited),
                password_changed_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .on_uniques(&[
                ("uq_users_username", "username"),
                ("uq_users_phone", "phone"),
            ])?;
            (u, true)
        }
    };
    let granted =
        crate::auth::grants::grant(&txn, user.id, org_id, req.role, Some(actor.user_id)).await?;
    let (invitation_token, invitation_expires_at) = if user.status == UserStatus::Invited {
        let token = token::generate();
        let expires = now + INVITATION_TTL;
        invitations::ActiveModel {
            token_hash: Set(token::keyed_hash(&state.session_key, &token)),
            user_id: Set(user.id),
            org_id: Set(org_id),
            role: Set(req.role),
            created_by: Set(Some(actor.user_id)),
            created_at: Set(now),
            expires_at: Set(expires),
            accepted_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        (Some(token), Some(expires))
    } else {
        (None, None)
    };
    if granted {
        audit::record(
            &txn,
            Some(actor),
            AuditEvent::new("role.grant", "user", user.id).after(
                serde_json::json!({ "org_id": org_id, "role": req.role, "created": created }),
            ),
        )
        .await?;
    }
    txn.commit().await?;
    if granted {
        state.sessions.user_changed(user.id).await;
    }
    Ok(AddedMember {
        user_id: user.id,
        role: req.role,
        created,
        invitation_token,
        invitation_expires_at,
    })
}

/// Takes a role away from a staff member. Nobody may take away their own admin role (so an
/// organisation is not left without anyone to manage it by accident).
///
/// # Errors
/// 404/403 per the authorisation rules; 404 when the user does not hold the role there;
/// 409 `cannot_revoke_own_admin`.
pub async fn revoke_role(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    user_id: i64,
    role: Role,
) -> Result<(), AppError> {
    authz::authorize_org(actor, org_id, OrgAction::ManageStaff)?;
    if !authz::may_grant(actor, org_id, role) {
        return Err(AppError::Forbidden);
    }
    if user_id == actor.user_id && role.is_org_admin() {
        return Err(AppError::new(
            ErrorCode::CannotRevokeOwnAdmin,
            "不能撤销自己的管理员角色 / you cannot revoke your own admin role",
        ));
    }
    let txn = begin_write(&state.db).await?;
    let deleted = user_roles::Entity::delete_many()
        .filter(user_roles::Column::OrgId.eq(org_id))
        .filter(user_roles::Column::UserId.eq(user_id))
        .filter(user_roles::Column::Role.eq(role))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("role.revoke", "user", user_id)
            .before(serde_json::json!({ "org_id": org_id, "role": role })),
    )
    .await?;
    // A user left with no role at all has no business being logged in.
    let remaining = user_roles::Entity::find()
        .filter(user_roles::Column::UserId.eq(user_id))
        .one(&txn)
        .await?;
    if remaining.is_none() {
        session::revoke_all(&txn, user_id, None).await?;
    }
    txn.commit().await?;
    state.sessions.user_changed(user_id).await;
    Ok(())
}

/// Looks up an organisation by kind and name (seeding, tests).
///
/// # Errors
/// Database errors.
pub async fn find_by_name(
    conn: &impl ConnectionTrait,
    kind: OrgKind,
    name: &str,
) -> Result<Option<organizations::Model>, AppError> {
    Ok(organizations::Entity::find()
        .filter(organizations::Column::Kind.eq(kind))
        .filter(organizations::Column::Name.eq(name))
        .one(conn)
        .await?)
}
