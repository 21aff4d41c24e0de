//! Reporting: each budget unit's share of assistance procurement and where the money went
//! (`docs/reporting.md`). Reads every context's tables, writes only its own.

pub mod figures;
pub mod model;
pub mod rules;
