//! The union member roster: import from CSV or XLSX (a dry run reports every bad row first;
//! the import writes all valid rows in one transaction; members missing from the file lose the
//! right to claim), progress for large files, and membership verification by member number and
//! phone.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use super::dto::{
    Membership, RosterImport, RosterMember, RosterPage, RosterQuery, RowError, VerifyMembership,
};
use super::model::{ImportStatus, RosterStatus};
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::auth::authz;
use crate::auth::{Actor, OrgKind, Role};
use crate::db::begin_write;
use crate::domain::{Phone, mask_name, mask_phone};
use crate::entities::{member_roster, organizations, roster_imports};
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};
use crate::extract::{Cursor as PageCursor, PageParams};
use crate::ratelimit::Decision;
use crate::vocab::JsonText;
use crate::worker::{JobOptions, JobRegistry, enqueue};

/// Job kind.
pub const JOB: &str = "roster.import";
/// Largest accepted roster file.
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;
/// Rows written per statement.
const CHUNK: usize = 1000;

/// A valid roster row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Member number.
    pub member_no: String,
    /// Name.
    pub name: String,
    /// Phone (11 digits).
    pub phone: String,
    /// Work unit.
    pub work_unit: String,
    /// Segment.
    pub segment: Option<String>,
}

/// What reading a file gave.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Valid rows.
    pub rows: Vec<Row>,
    /// Problems.
    pub errors: Vec<RowError>,
    /// Data rows read.
    pub total: u64,
}

fn column_of(header: &str) -> Option<&'static str> {
    match header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .as_str()
    {
        "姓名" | "name" => Some("name"),
        "手机号" | "手机" | "电话" | "phone" | "mobile" => Some("phone"),
        "会员号" | "会员编号" | "member_no" | "member number" => Some("member_no"),
        "工作单位" | "单位" | "work_unit" | "work unit" => Some("work_unit"),
        "人群" | "分组" | "segment" => Some("segment"),
        _ => None,
    }
}

/// Reads the rows of a CSV (UTF-8) or XLSX file and checks each.
///
/// # Errors
/// 422 when the file is neither, or lacks a required column.
pub fn parse(bytes: &[u8]) -> Result<Parsed, AppError> {
    let table: Vec<Vec<String>> = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)?
    } else {
        let text = std::str::from_utf8(bytes).map_err(|_| {
            FieldErrors::single(
                "file",
                FieldCode::RosterEncoding,
                "请使用 UTF-8 编码的 CSV 或 XLSX 文件 / use a UTF-8 CSV or an XLSX file",
            )
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut table = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| {
                FieldErrors::single(
                    "file",
                    FieldCode::RosterCsv,
                    format!("CSV 格式有误 / malformed CSV: {e}"),
                )
            })?;
            table.push(rec.iter().map(str::to_owned).collect());
        }
        table
    };
    let Some(header) = table.first() else {
        return Err(FieldErrors::single(
            "file",
            FieldCode::RosterEmpty,
            "文件为空 / the file is empty",
        ));
    };
    let columns: Vec<Option<&str>> = header.iter().map(|h| column_of(h)).collect();
    let index = |name: &str| columns.iter().position(|c| *c == Some(name));
    let (Some(i_no), Some(i_name), Some(i_phone), Some(i_unit)) = (
        index("member_no"),
        index("name"),
        index("phone"),
        index("work_unit"),
    ) else {
        return Err(FieldErrors::single(
            "file",
            FieldCode::RosterColumns,
            "表头须包含：会员号、姓名、手机号、工作单位（人群可选） / the header needs the columns member number, name, phone and work unit (segment optional)",
        ));
    };
    let i_seg = index("segment");
    let mut parsed = Parsed::default();
    let mut seen_no: HashSet<String> = HashSet::new();
    let mut seen_phone: HashSet<String> = HashSet::new();
    for (i, record) in table.iter().enumerate().skip(1) {
        let line = i as u64 + 1;
        let cell = |j: usize| {
            record
                .get(j)
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        parsed.total += 1;
        let mut bad = |field: &str, reason: &str| {
            parsed.errors.push(RowError {
                line,
                field: field.to_owned(),
                reason: reason.to_owned(),
            })
        };
        let member_no = cell(i_no);
        let name = cell(i_name);
        let phone_text = cell(i_phone);
        let work_unit = cell(i_unit);
        let segment = i_seg.map(cell).filter(|s| !s.is_empty());
        let mut ok = true;
        if member_no.is_empty()
            || member_no.chars().count() > 32
            || !member_no
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            bad(
                "member_no",
                "会员号应为1-32位字母、数字或- / 1-32 letters, digits or -",
            );
            ok = false;
        } else if !seen_no.insert(member_no.clone()) {
            bad(
                "member_no",
                "会员号在文件中重复 / duplicate member number in the file",
            );
            ok = false;
        }
        if name.is_empty() || name.chars().count() > 50 || name.contains('\0') {
            bad("name", "姓名应为1-50个字符 / 1-50 characters");
            ok = false;
        }
        let phone = Phone::parse(&phone_text).ok();
        match &phone {
            None => {
                bad("phone", "手机号格式不正确 / not a mainland mobile number");
                ok = false;
            }
            Some(p) if !seen_phone.insert(p.as_str().to_owned()) => {
                bad("phone", "手机号在文件中重复 / duplicate phone in the file");
                ok = false;
            }
            Some(_) => {}
        }
        if work_unit.is_empty() || work_unit.chars().count() > 100 || work_unit.contains('\0') {
            bad("work_unit", "工作单位应为1-100个字符 / 1-100 characters");
            ok = false;
        }
        if segment
            .as_ref()
            .is_some_and(|s| s.chars().count() > 30 || s.contains('\0'))
        {
            bad("segment", "人群应不超过30个字符 / at most 30 characters");
            ok = false;
        }
        if let (true, Some(phone)) = (ok, phone) {
            parsed.rows.push(Row {
                member_no,
                name,
                phone: phone.as_str().to_owned(),
                work_unit,
                segment,
            });
        }
    }
    Ok(parsed)
}

/// Most entries in a roster XLSX (a workbook from Excel or WPS has a dozen or two).
pub const MAX_XLSX_ENTRIES: usize = 1000;
/// Most bytes one entry of a roster XLSX may inflate to.
pub const MAX_XLSX_ENTRY_BYTES: u64 = 100 * 1024 * 1024;
/// Most bytes all entries of a roster XLSX may inflate to together.
pub const MAX_XLSX_TOTAL_BYTES: u64 = 200 * 1024 * 1024;
/// Most rows read from a roster sheet (a cell further down refuses the file).
pub const MAX_ROSTER_ROWS: u32 = 500_000;
/// Most columns read from a roster sheet (cells further right are ignored).
const MAX_ROSTER_COLUMNS: u32 = 64;
/// Most cells in a roster sheet.
pub const MAX_ROSTER_CELLS: u64 = 5_000_000;

fn xlsx_too_large(what: &str) -> AppError {
    FieldErrors::single(
        "file",
        FieldCode::RosterTooLarge,
        format!(
            "XLSX 文件解压后过大，请拆分后上传 / the XLSX file is too large once unpacked: {what}"
        ),
    )
}

fn unreadable_xlsx(e: impl std::fmt::Display) -> AppError {
    FieldErrors::single(
        "file",
        FieldCode::RosterXlsx,
        format!("无法读取 XLSX 文件 / unreadable XLSX: {e}"),
    )
}

/// Checks an XLSX (a zip) before anything reads it: the number of entries and the sizes they
/// declare, then the sizes they really inflate to (streamed into nothing, so a header that
/// lies costs no memory).
///
/// # Errors
/// 422 `roster_too_large` (a zip bomb), `roster_xlsx` (not a readable zip).
pub fn check_xlsx_zip(bytes: &[u8]) -> Result<(), AppError> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable_xlsx)?;
    if archive.len() > MAX_XLSX_ENTRIES {
        return Err(xlsx_too_large(&format!(
            "{} entries (at most {MAX_XLSX_ENTRIES})",
            archive.len()
        )));
    }
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(unreadable_xlsx)?;
        if entry.size() > MAX_XLSX_ENTRY_BYTES {
            return Err(xlsx_too_large(&format!(
                "{} declares {} bytes",
                entry.name().map(|n| n.into_owned()).unwrap_or_default(),
                entry.size()
            )));
        }
        declared = declared.saturating_add(entry.size());
    }
    if declared > MAX_XLSX_TOTAL_BYTES {
        return Err(xlsx_too_large(&format!("{declared} bytes declared")));
    }
    let mut inflated: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(unreadable_xlsx)?;
        let declared = entry.size();
        let read = std::io::copy(&mut entry.take(declared + 1), &mut std::io::sink())
            .map_err(unreadable_xlsx)?;
        if read > declared {
            return Err(xlsx_too_large("an entry inflates beyond its declared size"));
        }
        inflated += read;
    }
    if inflated > MAX_XLSX_TOTAL_BYTES {
        return Err(xlsx_too_large(&format!("{inflated} bytes")));
    }
    Ok(())
}

/// Reads the first sheet cell by cell (never as one dense range: two cells far apart would
/// make it billions), within [`MAX_ROSTER_ROWS`], [`MAX_ROSTER_CELLS`] and 64 columns, after
/// [`check_xlsx_zip`]. Rows are counted from the first one that holds anything. Also used for
/// the order sheets of bulk orders.
///
/// # Errors
/// 422 for a zip bomb or an unreadable workbook.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, AppError> {
    use calamine::{Reader, Xlsx};
    check_xlsx_zip(bytes)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable_xlsx)?;
    let Some(first) = book.sheet_names().into_iter().next() else {
        return Err(FieldErrors::single(
            "file",
            FieldCode::RosterEmpty,
            "工作簿没有工作表 / the workbook has no sheet",
        ));
    };
    let mut cells = book.worksheet_cells_reader(&first).map_err(|e| {
        FieldErrors::single(
            "file",
            FieldCode::RosterXlsx,
            format!("无法读取工作表 / unreadable sheet: {e}"),
        )
    })?;
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut count: u64 = 0;
    let mut first_row: Option<u32> = None;
    while let Some(cell) = cells.next_cell().map_err(unreadable_xlsx)? {
        let (row, col) = cell.get_position();
        if col >= MAX_ROSTER_COLUMNS {
            continue;
        }
        count += 1;
        if count > MAX_ROSTER_CELLS {
            return Err(xlsx_too_large(&format!(
                "more than {MAX_ROSTER_CELLS} cells"
            )));
        }
        if row >= MAX_ROSTER_ROWS {
            return Err(xlsx_too_large(&format!("more than {MAX_ROSTER_ROWS} rows")));
        }
        let data = calamine::Data::from(cell.get_value().clone());
        let text = match data {
            calamine::Data::Empty => continue,
            calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                format!("{}", f as i64)
            }
            other => other.to_string(),
        };
        // Rows are counted from the first one that holds anything (as a dense range would).
        let start = *first_row.get_or_insert(row);
        let Some(index) = row.checked_sub(start) else {
            continue;
        };
        let index = index as usize;
        if table.len() <= index {
            table.resize_with(index + 1, Vec::new);
        }
        let line = &mut table[index];
        let col = col as usize;
        if line.len() <= col {
            line.resize(col + 1, String::new());
        }
        line[col] = text;
    }
    Ok(table)
}

fn to_dto(r: roster_imports::Model) -> RosterImport {
    RosterImport {
        errors: r.errors.map(JsonText::into_inner).unwrap_or_default(),
        id: r.id,
        union_org_id: r.union_org_id,
        status: r.status.to_string(),
        dry_run: r.dry_run,
        filename: r.filename,
        total_rows: r.total_rows,
        processed_rows: r.processed_rows,
        valid_rows: r.valid_rows,
        error_rows: r.error_rows,
        inserted: r.inserted,
        updated: r.updated,
        left_members: r.left_members,
        created_at: r.created_at,
        finished_at: r.finished_at,
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    import_id: i64,
}

/// Starts an import (or a dry run) of an uploaded roster file; a background job does the work
/// and records its progress.
///
/// # Errors
/// 404/403; 413 for files over 50 MB; 422 for an empty file or an XLSX that would inflate
/// beyond the limits (`roster_too_large`).
pub async fn start(
    state: &AppState,
    actor: &Actor,
    union_id: i64,
    filename: Option<String>,
    bytes: Bytes,
    dry_run: bool,
) -> Result<RosterImport, AppError> {
    authz::authorize_org_role(actor, union_id, &[Role::UnionAdmin])?;
    let org = organizations::Entity::find_by_id(union_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if org.kind != OrgKind::Union {
        return Err(AppError::NotFound);
    }
    if bytes.is_empty() {
        return Err(FieldErrors::single(
            "file",
            FieldCode::RosterEmpty,
            "文件为空 / the file is empty",
        ));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::PayloadTooLarge);
    }
    // A zip bomb is refused here, at upload time, not by the job that would read it.
    if bytes.starts_with(b"PK\x03\x04") {
        let checked = bytes.clone();
        tokio::task::spawn_blocking(move || read_xlsx(&checked).map(drop))
            .await
            .map_err(|e| AppError::Internal(e.into()))??;
    }
    let key = crate::media::store_document(state, bytes).await?;
    let txn = begin_write(&state.db).await?;
    let row = roster_imports::ActiveModel {
        union_org_id: Set(union_id),
        status: Set(ImportStatus::Pending),
        dry_run: Set(dry_run),
        file_key: Set(key),
        filename: Set(filename
            .unwrap_or_else(|| "roster".into())
            .chars()
            .filter(|c| !c.is_control())
            .take(120)
            .collect()),
        total_rows: Set(0),
        processed_rows: Set(0),
        valid_rows: Set(0),
        error_rows: Set(0),
        inserted: Set(0),
        updated: Set(0),
        left_members: Set(0),
        errors: Set(None),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(Utc::now()),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    enqueue(
        &txn,
        JOB,
        Payload { import_id: row.id },
        JobOptions {
            max_attempts: Some(2),
            ..JobOptions::default()
        },
    )
    .await?;
    txn.commit().await?;
    Ok(to_dto(row))
}

/// An import run, with live progress.
///
/// # Errors
/// 404 for strangers.
pub async fn get(state: &AppState, actor: &Actor, id: i64) -> Result<RosterImport, AppError> {
    authz::require_any_role(actor, &[Role::UnionAdmin, Role::Operator])?;
    let row = roster_imports::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    authz::authorize_org_role(actor, row.union_org_id, &[Role::UnionAdmin])?;
    let stored = row.status;
    let mut dto = to_dto(row);
    if !matches!(stored, ImportStatus::Done | ImportStatus::Failed)
        && let Some(n) = state.coupons.progress(&format!("roster:{id}")).await
    {
        dto.processed_rows = n;
        dto.status = ImportStatus::Running.to_string();
    }
    Ok(dto)
}

async fn run(state: &AppState, txn: &DatabaseTransaction, import_id: i64) -> anyhow::Result<()> {
    let Some(imp) = roster_imports::Entity::find_by_id(import_id)
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    if imp.status == ImportStatus::Done {
        return Ok(());
    }
    let bytes = crate::media::read_document(state, &imp.file_key)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started: DateTime<Utc> = Utc::now();
    let mut active = imp.clone().into_active_model();
    let parsed = match parse(&bytes) {
        Ok(p) => p,
        Err(e) => {
            let reason = match &e {
                AppError::Validation(f) => serde_json::to_value(f)
                    .ok()
                    .and_then(|v| v["file"][0]["message"].as_str().map(str::to_owned))
                    .unwrap_or_default(),
                other => other.to_string(),
            };
            active.status = Set(ImportStatus::Failed);
            active.errors = Set(Some(JsonText(vec![RowError {
                line: 1,
                field: "file".into(),
                reason,
            }])));
            active.finished_at = Set(Some(Utc::now()));
            active.update(txn).await?;
            return Ok(());
        }
    };
    active.total_rows = Set(i64::try_from(parsed.total)?);
    active.valid_rows = Set(i64::try_from(parsed.rows.len())?);
    active.error_rows = Set(i64::try_from(parsed.errors.len())?);
    let shown: Vec<RowError> = parsed.errors.iter().take(1000).cloned().collect();
    active.errors = Set(Some(JsonText(shown)));
    let existing: HashMap<String, RosterStatus> = member_roster::Entity::find()
        .select_only()
        .column(member_roster::Column::MemberNo)
        .column(member_roster::Column::Status)
        .filter(member_roster::Column::UnionOrgId.eq(imp.union_org_id))
        .into_tuple::<(String, RosterStatus)>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let inserted = parsed
        .rows
        .iter()
        .filter(|r| !existing.contains_key(&r.member_no))
        .count();
    active.inserted = Set(i64::try_from(inserted)?);
    active.updated = Set(i64::try_from(parsed.rows.len() - inserted)?);
    let in_file: HashSet<&str> = parsed.rows.iter().map(|r| r.member_no.as_str()).collect();
    let leaving = existing
        .iter()
        .filter(|(no, st)| **st == RosterStatus::Active && !in_file.contains(no.as_str()))
        .count();
    active.left_members = Set(i64::try_from(leaving)?);
    if !imp.dry_run {
        // All valid rows in this one transaction: nothing partial is ever visible.
        let progress_key = format!("roster:{import_id}");
        for (n, chunk) in parsed.rows.chunks(CHUNK).enumerate() {
            let rows: Vec<member_roster::ActiveModel> = chunk
                .iter()
                .map(|r| member_roster::ActiveModel {
                    union_org_id: Set(imp.union_org_id),
                    member_no: Set(r.member_no.clone()),
                    name: Set(r.name.clone()),
                    phone: Set(r.phone.clone()),
                    work_unit: Set(r.work_unit.clone()),
                    segment: Set(r.segment.clone()),
                    status: Set(RosterStatus::Active),
                    user_id: Set(None),
                    created_at: Set(started),
                    updated_at: Set(started),
                    ..Default::default()
                })
                .collect();
            member_roster::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::columns([
                        member_roster::Column::UnionOrgId,
                        member_roster::Column::MemberNo,
                    ])
                    .update_columns([
                        member_roster::Column::Name,
                        member_roster::Column::Phone,
                        member_roster::Column::WorkUnit,
                        member_roster::Column::Segment,
                        member_roster::Column::Status,
                        member_roster::Column::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .exec_without_returning(txn)
                .await?;
            state
                .coupons
                .set_progress(
                    &progress_key,
                    i64::try_from((n + 1) * CHUNK)
                        .unwrap_or(i64::MAX)
                        .min(i64::try_from(parsed.rows.len())?),
                )
                .await;
        }
        member_roster::Entity::update_many()
            .col_expr(
                member_roster::Column::Status,
                Expr::value(RosterStatus::Left),
            )
            .col_expr(member_roster::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(member_roster::Column::UnionOrgId.eq(imp.union_org_id))
            .filter(member_roster::Column::Status.eq(RosterStatus::Active))
            .filter(member_roster::Column::UpdatedAt.lt(started))
            .exec(txn)
            .await?;
        audit::record(
            txn,
            None,
            AuditEvent::new("roster.import", "organization", imp.union_org_id).after(serde_json::json!({
                "import_id": import_id, "inserted": inserted, "updated": parsed.rows.len() - inserted, "left": leaving, "by": imp.created_by
            })),
        )
        .await?;
    }
    active.processed_rows = Set(i64::try_from(parsed.total)?);
    active.status = Set(ImportStatus::Done);
    active.finished_at = Set(Some(Utc::now()));
    active.update(txn).await?;
    Ok(())
}

/// Registers the import job.
pub fn register(registry: &mut JobRegistry) {
    registry.register(JOB, |state, p: Payload, txn| async move {
        run(&state, &txn, p.import_id).await?;
        Ok(txn)
    });
}

/// The roster of a union, phones and names masked.
///
/// # Errors
/// 404/403.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    union_id: i64,
    query: RosterQuery,
) -> Result<RosterPage, AppError> {
    authz::authorize_org_role(actor, union_id, &[Role::UnionAdmin])?;
    let page = PageParams {
        cursor: query.cursor.clone(),
        limit: query.limit,
    };
    let limit = page.limit();
    let mut q = filtered(union_id, &query)?.limit(limit);
    if let Some(PageCursor(after)) = page.cursor()? {
        q = q.filter(member_roster::Column::Id.gt(after));
    }
    let items: Vec<RosterMember> = q.all(&state.db).await?.into_iter().map(shown).collect();
    let next_cursor = PageCursor::next(&items, limit, |m| m.id);
    let total_active = member_roster::Entity::find()
        .filter(member_roster::Column::UnionOrgId.eq(union_id))
        .filter(member_roster::Column::Status.eq(RosterStatus::Active))
        .count(&state.db)
        .await?;
    Ok(RosterPage {
        items,
        next_cursor,
        total_active,
    })
}

/// A roster entry as lists show it (name and phone masked).
fn shown(m: member_roster::Model) -> RosterMember {
    RosterMember {
        id: m.id,
        member_no: m.member_no,
        name_masked: mask_name(&m.name),
        phone_masked: mask_phone(&m.phone),
        work_unit: m.work_unit,
        segment: m.segment,
        status: m.status.to_string(),
        verified: m.user_id.is_some(),
    }
}

/// The union's roster with the list's filters, in roster order.
fn filtered(
    union_id: i64,
    query: &RosterQuery,
) -> Result<sea_orm::Select<member_roster::Entity>, AppError> {
    let mut q = member_roster::Entity::find()
        .filter(member_roster::Column::UnionOrgId.eq(union_id))
        .order_by_asc(member_roster::Column::Id);
    if let Some(words) = query.q.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        if words.chars().count() > 50 {
            return Err(FieldErrors::single(
                "q",
                FieldCode::TooLong,
                "搜索词最多50个字 / at most 50 characters",
            ));
        }
        q = q.filter(
            sea_orm::Condition::any()
                .add(member_roster::Column::MemberNo.contains(words))
                .add(member_roster::Column::Name.contains(words))
                .add(member_roster::Column::WorkUnit.contains(words)),
        );
    }
    if let Some(status) = query.status {
        q = q.filter(member_roster::Column::Status.eq(status));
    }
    match query.verified {
        Some(true) => q = q.filter(member_roster::Column::UserId.is_not_null()),
        Some(false) => q = q.filter(member_roster::Column::UserId.is_null()),
        None => {}
    }
    Ok(q)
}

/// The roster with the list's filters as an XLSX workbook (names and phones masked as on
/// screen), at most [`crate::export::MAX_ROWS`] rows.
///
/// # Errors
/// 404/403; 422 for bad filters.
pub async fn export(
    state: &AppState,
    actor: &Actor,
    union_id: i64,
    query: RosterQuery,
) -> Result<Vec<u8>, AppError> {
    use crate::export::Cell;
    authz::authorize_org_role(actor, union_id, &[Role::UnionAdmin])?;
    let rows = filtered(union_id, &query)?
        .limit(crate::export::MAX_ROWS)
        .all(&state.db)
        .await?;
    let headers = [
        "会员号 Member no.",
        "姓名 Name",
        "手机号 Phone",
        "工作单位 Work unit",
        "分组 Segment",
        "状态 Status",
        "已验证 Verified",
    ];
    let out: Vec<Vec<Cell>> = rows
        .into_iter()
        .map(|m| {
            let status = match m.status {
                RosterStatus::Active => "在册",
                RosterStatus::Left => "已退出",
            };
            let verified = if m.user_id.is_some() { "是" } else { "否" };
            let m = shown(m);
            vec![
                m.member_no.into(),
                m.name_masked.into(),
                m.phone_masked.into(),
                m.work_unit.into(),
                m.segment.unwrap_or_default().into(),
                status.into(),
                verified.into(),
            ]
        })
        .collect();
    crate::export::workbook("会员名册", &headers, &out)
}

/// Verifies the actor as a union member: the member number and phone must match an active
/// roster entry not yet claimed by another account. Grants the `member` role of that union.
///
/// # Errors
/// 422 `membership_not_found` (same answer whatever did not match); 409 when the entry belongs
/// to another account; 429 after five attempts a minute.
pub async fn verify(
    state: &AppState,
    actor: &Actor,
    req: VerifyMembership,
) -> Result<Membership, AppError> {
    if let Decision::Limited(wait) = state
        .limiter
        .hit(
            &format!("verify:{}", actor.user_id),
            5,
            std::time::Duration::from_secs(60),
        )
        .await
    {
        return Err(AppError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    let not_found = || {
        FieldErrors::single(
            "member_no",
            FieldCode::MembershipNotFound,
            "会员号与手机号不匹配 / member number and phone do not match",
        )
    };
    let phone = Phone::parse(&req.phone).map_err(|_| not_found())?;
    let txn = begin_write(&state.db).await?;
    let entry = member_roster::Entity::find()
        .filter(member_roster::Column::MemberNo.eq(req.member_no.trim()))
        .filter(member_roster::Column::Phone.eq(phone.as_str()))
        .filter(member_roster::Column::Status.eq(RosterStatus::Active))
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    match entry.user_id {
        Some(uid) if uid != actor.user_id => {
            return Err(AppError::new(
                ErrorCode::MembershipTaken,
                "该会员已绑定其他账号 / this membership belongs to another account",
            ));
        }
        _ => {}
    }
    let union = organizations::Entity::find_by_id(entry.union_org_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut active = entry.clone().into_active_model();
    active.user_id = Set(Some(actor.user_id));
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    crate::auth::grants::grant(&txn, actor.user_id, union.id, Role::Member, None).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("membership.verify", "user", actor.user_id)
            .after(serde_json::json!({"union": union.id})),
    )
    .await?;
    txn.commit().await?;
    state.sessions.user_changed(actor.user_id).await;
    Ok(Membership {
        union_org_id: union.id,
        union_name: union.name,
        member_no: entry.member_no,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_checked_with_line_numbers() {
        let csv = "会员号,姓名,手机号,工作单位,人群\nA001,张三,13800001111,福田区某局,new_member\nA002,,13800001112,某局,\nA001,李四,13800001113,某局,\nA004,王五,12345,某局,\nA005,赵六,13800001111,,\n\nA006,钱七,+86 138-0000-1116,某校,\n";
        let p = parse(csv.as_bytes()).expect("parses");
        assert_eq!(p.total, 6);
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[1].phone, "13800001116");
        let lines: Vec<(u64, &str)> = p
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect();
        assert_eq!(
            lines,
            vec![
                (3, "name"),
                (4, "member_no"),
                (5, "phone"),
                (6, "phone"),
                (6, "work_unit")
            ]
        );
    }

    #[test]
    fn missing_columns_are_refused() {
        assert!(parse("name,phone\n张三,13800001111\n".as_bytes()).is_err());
        assert!(parse(b"\xff\xfe\x00garbage").is_err());
    }

    #[test]
    fn a_bad_header_is_explained_in_chinese_then_in_english_without_codes() {
        let err = parse("name,phone\n张三,13800001111\n".as_bytes()).err();
        let text = format!("{err:?}");
        assert!(
            text.contains(
                "表头须包含：会员号、姓名、手机号、工作单位（人群可选） / the header needs"
            ),
            "{text}"
        );
        for code in ["member_no", "work_unit"] {
            assert!(!text.contains(code), "{text}");
        }
    }
}
