//! Institutional procurement (budget units, filings, bulk orders, quotes, deliveries,
//! acceptance, invoices, payment on terms, evaluation). See PROCUREMENT.md in the design notes
//! and `docs/domain.md`.

pub mod einvoice;
pub mod model;
