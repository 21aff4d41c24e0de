//! Reference data: the real regions (GB/T 2260) and pairings named in the policy seeds, from
//! `data/regions.csv` and `data/pairings.csv`. Loading is idempotent and never overwrites what
//! an operator has edited since.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use super::model::{Programme, RegionLevel};
use crate::domain::RegionCode;
use crate::entities::{pairings, regions};

const REGIONS_CSV: &str = include_str!("data/regions.csv");
const PAIRINGS_CSV: &str = include_str!("data/pairings.csv");

/// 大鹏新区 is a functional zone without a national code; it gets this internal one.
pub const DAPENG_CODE: &str = "X440300DP";

#[derive(Debug)]
struct RegionRow {
    code: String,
    name: String,
    level: String,
    parent_code: String,
    flags: String,
    note: String,
}

#[derive(Debug, serde::Deserialize)]
struct PairingRow {
    helper_code: String,
    helper_name: String,
    partner_code: String,
    #[allow(dead_code)]
    partner_name: String,
    programme: String,
    valid_from: String,
    source: String,
}

/// The notes column is free text and may hold unquoted commas: everything after the fifth
/// field is the note.
fn read_regions() -> anyhow::Result<Vec<RegionRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(REGIONS_CSV.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let field = |i: usize| record.get(i).unwrap_or("").to_owned();
        anyhow::ensure!(
            record.len() >= 5,
            "regions.csv: short line {:?}",
            record.position()
        );
        rows.push(RegionRow {
            code: field(0),
            name: field(1),
            level: field(2),
            parent_code: field(3),
            flags: field(4),
            note: record.iter().skip(5).collect::<Vec<_>>().join(","),
        });
    }
    Ok(rows)
}

fn code_or_internal(code: &str, name: &str) -> anyhow::Result<String> {
    if code.trim().is_empty() {
        anyhow::ensure!(
            name == "大鹏新区",
            "region {name} has no code and no internal code"
        );
        return Ok(DAPENG_CODE.to_owned());
    }
    Ok(RegionCode::parse(code)
        .map_err(|e| anyhow::anyhow!("{code}: {e}"))?
        .as_str()
        .to_owned())
}

/// Counts of rows inserted by [`load`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Loaded {
    /// Regions inserted now (0 when already present).
    pub regions: u64,
    /// Pairings inserted now.
    pub pairings: u64,
}

/// Inserts the reference regions and pairings that are not there yet.
///
/// # Errors
/// Malformed embedded data (a bug) or database errors.
pub async fn load(conn: &impl ConnectionTrait) -> anyhow::Result<Loaded> {
    let mut rows = read_regions()?;
    let rank = |level: &str| match level {
        "province" => 0,
        "city" => 1,
        _ => 2,
    };
    rows.sort_by_key(|r| rank(&r.level));
    let now = Utc::now();
    let mut loaded = Loaded::default();
    for row in rows {
        let level =
            RegionLevel::parse(&row.level).ok_or_else(|| anyhow::anyhow!("level {}", row.level))?;
        let flags: Vec<&str> = row.flags.split(';').map(str::trim).collect();
        let model = regions::ActiveModel {
            code: Set(code_or_internal(&row.code, &row.name)?),
            name: Set(row.name.clone()),
            level: Set(level),
            parent_code: Set(Some(row.parent_code.trim().to_owned()).filter(|p| !p.is_empty())),
            poverty_lifted: Set(flags.contains(&"poverty_lifted")),
            key_assistance: Set(flags.contains(&"key_assistance")),
            old_revolutionary: Set(flags.contains(&"old_revolutionary")),
            note: Set(Some(row.note.trim().to_owned()).filter(|n| !n.is_empty())),
            created_at: Set(now),
            updated_at: Set(now),
        };
        loaded.regions += regions::Entity::insert(model)
            .on_conflict(
                OnConflict::column(regions::Column::Code)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    let rows: Vec<PairingRow> = csv::Reader::from_reader(PAIRINGS_CSV.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()?;
    for row in rows {
        let programme = Programme::parse(&row.programme)
            .ok_or_else(|| anyhow::anyhow!("programme {}", row.programme))?;
        let model = pairings::ActiveModel {
            helper_code: Set(code_or_internal(&row.helper_code, &row.helper_name)?),
            partner_code: Set(code_or_internal(&row.partner_code, "")?),
            programme: Set(programme),
            valid_from: Set(NaiveDate::parse_from_str(&row.valid_from, "%Y-%m-%d")?),
            valid_to: Set(None),
            source: Set(Some(row.source)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        loaded.pairings += pairings::Entity::insert(model)
            .on_conflict(
                OnConflict::columns([
                    pairings::Column::HelperCode,
                    pairings::Column::PartnerCode,
                    pairings::Column::Programme,
                    pairings::Column::ValidFrom,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(loaded)
}
