//! JSON in and out of the regions endpoints.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{Programme, RegionLevel};
use crate::entities::{pairings, regions};

/// A region with its assistance flags.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Region {
    /// GB/T 2260 code (or an internal `X…` code).
    pub code: String,
    /// Name, e.g. 马山县.
    pub name: String,
    /// Level.
    pub level: RegionLevel,
    /// Parent region's code.
    pub parent_code: Option<String>,
    /// 脱贫县 (poverty-lifted county).
    pub poverty_lifted: bool,
    /// 乡村振兴重点帮扶县 (key assistance county).
    pub key_assistance: bool,
    /// 革命老区 (old revolutionary area).
    pub old_revolutionary: bool,
    /// Free-text note.
    pub note: Option<String>,
}

impl From<regions::Model> for Region {
    fn from(m: regions::Model) -> Self {
        Region {
            level: m.level,
            code: m.code,
            name: m.name,
            parent_code: m.parent_code,
            poverty_lifted: m.poverty_lifted,
            key_assistance: m.key_assistance,
            old_revolutionary: m.old_revolutionary,
            note: m.note,
        }
    }
}

/// A region with the names of its ancestors.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionDetail {
    /// The region.
    #[serde(flatten)]
    pub region: Region,
    /// Names from the province down to this region, e.g. 广西壮族自治区 / 南宁市 / 马山县.
    pub path: Vec<String>,
}

/// A list of regions.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionList {
    /// Regions, by code.
    pub items: Vec<Region>,
}

/// Filters for regions.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// Only this level.
    pub level: Option<RegionLevel>,
    /// Only children of this region.
    pub parent: Option<String>,
    /// Only regions with this flag: `poverty_lifted`, `key_assistance` or `old_revolutionary`.
    pub flag: Option<String>,
}

/// A new region (operators).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRegion {
    /// GB/T 2260 code, or an internal code starting with `X`.
    pub code: String,
    /// Name.
    pub name: String,
    /// Level.
    pub level: RegionLevel,
    /// Parent region's code (required below province level).
    pub parent_code: Option<String>,
    /// 脱贫县.
    #[serde(default)]
    pub poverty_lifted: bool,
    /// 乡村振兴重点帮扶县.
    #[serde(default)]
    pub key_assistance: bool,
    /// 革命老区.
    #[serde(default)]
    pub old_revolutionary: bool,
    /// Note.
    pub note: Option<String>,
}

/// Changes to a region (operators); absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRegion {
    /// New name.
    pub name: Option<String>,
    /// 脱贫县.
    pub poverty_lifted: Option<bool>,
    /// 乡村振兴重点帮扶县.
    pub key_assistance: Option<bool>,
    /// 革命老区.
    pub old_revolutionary: Option<bool>,
    /// New note.
    pub note: Option<String>,
    /// Why (recorded in the audit log).
    pub reason: Option<String>,
}

/// A pairing between a helper and a partner region.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pairing {
    /// Pairing id.
    pub id: i64,
    /// Helper region (e.g. 440304 福田区).
    pub helper_code: String,
    /// Helper name.
    pub helper_name: String,
    /// Partner region (e.g. 450124 马山县).
    pub partner_code: String,
    /// Partner name.
    pub partner_name: String,
    /// Programme.
    pub programme: Programme,
    /// First day (Asia/Shanghai business date).
    pub valid_from: NaiveDate,
    /// Last day, if ended.
    pub valid_to: Option<NaiveDate>,
    /// Where the pairing is documented.
    pub source: Option<String>,
}

impl Pairing {
    pub(crate) fn from_model(m: pairings::Model, name_of: impl Fn(&str) -> String) -> Self {
        Pairing {
            id: m.id,
            helper_name: name_of(&m.helper_code),
            partner_name: name_of(&m.partner_code),
            helper_code: m.helper_code,
            partner_code: m.partner_code,
            programme: m.programme,
            valid_from: m.valid_from,
            valid_to: m.valid_to,
            source: m.source,
        }
    }
}

/// A list of pairings.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairingList {
    /// Pairings.
    pub items: Vec<Pairing>,
}

/// Filters for pairings.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PairingQuery {
    /// Only this helper.
    pub helper: Option<String>,
    /// Only this partner.
    pub partner: Option<String>,
    /// Only this programme.
    pub programme: Option<Programme>,
    /// Only pairings valid on this date (YYYY-MM-DD).
    pub on: Option<NaiveDate>,
}

/// A new pairing (operators).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePairing {
    /// Helper region code.
    pub helper_code: String,
    /// Partner region code.
    pub partner_code: String,
    /// Programme.
    pub programme: Programme,
    /// First day.
    pub valid_from: NaiveDate,
    /// Last day, if known.
    pub valid_to: Option<NaiveDate>,
    /// Where it is documented.
    pub source: Option<String>,
}

/// Ends (or re-dates) a pairing (operators). Pairings are never deleted: history depends on them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePairing {
    /// Last day (null to make it open-ended again).
    pub valid_to: Option<NaiveDate>,
    /// Why (recorded in the audit log).
    pub reason: Option<String>,
}
