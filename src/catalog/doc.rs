//! The product document: everything the shop shows about a product except what depends on the
//! day (certificate validity, pairing validity, hence the assistance status) and on the moment
//! (stock). It is kept in `product_views`, rewritten in the transaction of every change, so that
//! a product page is one primary-key read; [`ProductDoc::render`] fills in the day and the stock.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::dto::{AssistanceInfo, CertBadge, ProductCard, ProductDetail, SkuView, Trace};
use super::model::Storage;
use crate::media::ImageUrls;
use crate::regions::model::Programme;
use crate::suppliers::model::{CertKind, CertStatus};

/// A certificate as far as assistance status goes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CertFact {
    /// Kind.
    pub kind: CertKind,
    /// Verified or expired (pending and rejected ones are left out).
    pub status: CertStatus,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_to: NaiveDate,
    /// Number.
    pub number: String,
}

impl CertFact {
    /// Counts on `date`: verified (or since expired) and within its dates.
    #[must_use]
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        matches!(self.status, CertStatus::Verified | CertStatus::Expired)
            && self.valid_from <= date
            && date <= self.valid_to
    }
}

/// A pairing that may cover the product's origin.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PairingFact {
    /// Pairing id.
    pub id: i64,
    /// Programme.
    pub programme: Programme,
    /// Helper region code.
    pub helper_code: String,
    /// Helper name (e.g. 福田区).
    pub helper_name: Option<String>,
    /// Partner region code (the county, or its city).
    pub partner_code: String,
    /// First day.
    pub valid_from: NaiveDate,
    /// Last day.
    pub valid_to: Option<NaiveDate>,
    /// 0 for a pairing of the county itself, 1 for one of its city.
    pub level: u8,
}

impl PairingFact {
    fn valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|t| t >= date)
    }
}

/// What decides a product's assistance status on any day.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Facts {
    /// The supplier is admitted.
    pub supplier_approved: bool,
    /// Verified or expired certificates of the product and of its supplier.
    pub certs: Vec<CertFact>,
    /// Pairings of the origin county and of its city.
    pub pairings: Vec<PairingFact>,
}

/// The assistance status of a product on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluated {
    /// All three conditions hold.
    pub eligible: bool,
    /// The pairing the purchase is attributed to (county pairings before city ones, then the
    /// earliest-starting).
    pub pairing: Option<PairingFact>,
    /// The supplier is admitted.
    pub supplier_approved: bool,
    /// An assistance-product recognition is valid.
    pub recognised: bool,
    /// Kinds valid that day.
    pub cert_kinds: Vec<CertKind>,
    /// Numbers of the certificates valid that day.
    pub cert_numbers: Vec<String>,
}

impl Facts {
    /// The status on `date` (DOMAIN.md: partner county, admitted supplier, valid recognition).
    #[must_use]
    pub fn evaluate(&self, date: NaiveDate) -> Evaluated {
        let mut candidates: Vec<&PairingFact> =
            self.pairings.iter().filter(|p| p.valid_on(date)).collect();
        candidates.sort_by_key(|p| (p.level, p.valid_from, p.id));
        let pairing = candidates.first().map(|p| (*p).clone());
        let valid: Vec<&CertFact> = self.certs.iter().filter(|c| c.valid_on(date)).collect();
        let recognised = valid.iter().any(|c| c.kind == CertKind::AssistanceProduct);
        let mut cert_kinds: Vec<CertKind> = valid.iter().map(|c| c.kind).collect();
        cert_kinds.sort();
        cert_kinds.dedup();
        Evaluated {
            eligible: pairing.is_some() && self.supplier_approved && recognised,
            pairing,
            supplier_approved: self.supplier_approved,
            recognised,
            cert_kinds,
            cert_numbers: valid.iter().map(|c| c.number.clone()).collect(),
        }
    }

    /// Programmes under which the origin is a partner on `date`.
    #[must_use]
    pub fn programmes_on(&self, date: NaiveDate) -> Vec<Programme> {
        let mut out: Vec<Programme> = self
            .pairings
            .iter()
            .filter(|p| p.valid_on(date))
            .map(|p| p.programme)
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// [`ProductDetail`] as a document stores it: the card a field of its own instead of flattened
/// into the page, because serde reads a flattened struct back through an intermediate buffer
/// of every field. The compiler checks this list against [`ProductDetail`].
#[derive(Serialize, Deserialize)]
#[serde(remote = "ProductDetail")]
struct StoredDetail {
    card: ProductCard,
    description_html: String,
    storage: Storage,
    shelf_life_days: i32,
    producer_name: String,
    category_id: i64,
    category_path: Vec<String>,
    skus: Vec<SkuView>,
    images: Vec<Vec<ImageUrls>>,
    certificates: Vec<CertBadge>,
    trace: Trace,
    assistance: AssistanceInfo,
    updated_at: DateTime<Utc>,
}

/// A product page without its day-dependent parts, plus the facts to compute them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProductDoc {
    /// The page (assistance, validity flags and stock are filled in by [`ProductDoc::render`]).
    #[serde(with = "StoredDetail")]
    pub detail: ProductDetail,
    /// Assistance facts.
    pub facts: Facts,
}

impl Evaluated {
    /// Why the product counts (or not) as an assistance purchase that day.
    #[must_use]
    pub fn assistance(&self) -> AssistanceInfo {
        AssistanceInfo {
            eligible: self.eligible,
            partner_county: self.pairing.is_some(),
            supplier_approved: self.supplier_approved,
            recognised: self.recognised,
            programme: self.pairing.as_ref().map(|p| p.programme),
            helper_name: self.pairing.as_ref().and_then(|p| p.helper_name.clone()),
        }
    }
}

impl Facts {
    /// Whether the certificate shown as `kind` / `number` is valid on `date`.
    #[must_use]
    pub fn cert_valid_on(&self, kind: CertKind, number: &str, date: NaiveDate) -> bool {
        self.certs
            .iter()
            .find(|f| f.number == number && f.kind == kind)
            .is_some_and(|f| f.valid_on(date))
    }
}

impl ProductDoc {
    /// The page as shown on `date` with the given stock per SKU.
    #[must_use]
    pub fn render(self, date: NaiveDate, stock: &HashMap<i64, i64>) -> ProductDetail {
        let e = self.facts.evaluate(date);
        let mut d = self.detail;
        for sku in &mut d.skus {
            if let Some(s) = stock.get(&sku.id) {
                sku.stock = *s;
            }
        }
        d.card.in_stock = d.skus.iter().any(|s| s.stock > 0);
        d.card.assistance_eligible = e.eligible;
        d.card.cert_kinds = e.cert_kinds.clone();
        for c in &mut d.certificates {
            c.valid_today = self.facts.cert_valid_on(c.kind, &c.number, date);
        }
        d.assistance = e.assistance();
        d
    }
}

/// The JSON of the page a stored document shows on `date` with the given stock per SKU: what
/// [`ProductDoc::render`] returns, serialised, but written from the stored text without
/// rebuilding what the day and the stock leave as they are (names, description, images,
/// trace are copied through as they were stored). The product page's hot path.
///
/// # Errors
/// A document that does not have the stored shape.
pub fn render_page(
    text: &str,
    date: NaiveDate,
    stock: &HashMap<i64, i64>,
) -> serde_json::Result<Vec<u8>> {
    let mut source: PageSource<'_> = serde_json::from_str(text)?;
    let e = source.facts.evaluate(date);
    let d = &mut source.detail;
    for sku in &mut d.skus {
        if let Some(s) = stock.get(&sku.id) {
            sku.stock = *s;
        }
    }
    d.card.in_stock = d.skus.iter().any(|s| s.stock > 0);
    d.card.assistance_eligible = e.eligible;
    d.card.cert_kinds.clone_from(&e.cert_kinds);
    for c in &mut d.certificates {
        c.valid_today = source.facts.cert_valid_on(c.kind, &c.number, date);
    }
    let mut out = Vec::with_capacity(text.len() + 256);
    serde_json::to_writer(
        &mut out,
        &PageOut {
            card: &d.card,
            detail: d,
            assistance: e.assistance(),
        },
    )?;
    Ok(out)
}

/// A stored document as [`render_page`] reads it: borrowed from the stored text, with only
/// what the day and the stock change read into values.
#[derive(Deserialize)]
struct PageSource<'a> {
    #[serde(borrow)]
    detail: DetailSource<'a>,
    facts: Facts,
}

/// [`StoredDetail`] borrowed (its `assistance` is left out: it is computed).
#[derive(Serialize, Deserialize)]
struct DetailSource<'a> {
    #[serde(borrow, skip_serializing)]
    card: CardSource<'a>,
    #[serde(borrow)]
    description_html: &'a RawValue,
    #[serde(borrow)]
    storage: &'a RawValue,
    #[serde(borrow)]
    shelf_life_days: &'a RawValue,
    #[serde(borrow)]
    producer_name: &'a RawValue,
    #[serde(borrow)]
    category_id: &'a RawValue,
    #[serde(borrow)]
    category_path: &'a RawValue,
    #[serde(borrow)]
    skus: Vec<SkuSource<'a>>,
    #[serde(borrow)]
    images: &'a RawValue,
    #[serde(borrow)]
    certificates: Vec<CertSource<'a>>,
    #[serde(borrow)]
    trace: &'a RawValue,
    #[serde(borrow)]
    updated_at: &'a RawValue,
}

/// [`ProductCard`] borrowed.
#[derive(Serialize, Deserialize)]
struct CardSource<'a> {
    #[serde(borrow)]
    id: &'a RawValue,
    #[serde(borrow)]
    name: &'a RawValue,
    #[serde(borrow)]
    subtitle: &'a RawValue,
    #[serde(borrow)]
    price_min_fen: &'a RawValue,
    #[serde(borrow)]
    price_max_fen: &'a RawValue,
    #[serde(borrow)]
    image: &'a RawValue,
    #[serde(borrow)]
    origin: &'a RawValue,
    #[serde(borrow)]
    supplier: &'a RawValue,
    cert_kinds: Vec<CertKind>,
    assistance_eligible: bool,
    #[serde(borrow)]
    sales_count: &'a RawValue,
    in_stock: bool,
    #[serde(borrow)]
    status: &'a RawValue,
}

/// [`SkuView`] borrowed.
#[derive(Serialize, Deserialize)]
struct SkuSource<'a> {
    id: i64,
    #[serde(borrow)]
    spec: &'a RawValue,
    #[serde(borrow)]
    price_fen: &'a RawValue,
    #[serde(borrow)]
    unit: &'a RawValue,
    #[serde(borrow)]
    weight_grams: &'a RawValue,
    stock: i64,
    #[serde(borrow)]
    min_order_qty: &'a RawValue,
    #[serde(borrow)]
    tiers: &'a RawValue,
}

/// [`CertBadge`] borrowed.
#[derive(Serialize, Deserialize)]
struct CertSource<'a> {
    kind: CertKind,
    #[serde(borrow)]
    number: Cow<'a, str>,
    #[serde(borrow)]
    issuer: &'a RawValue,
    #[serde(borrow)]
    valid_from: &'a RawValue,
    #[serde(borrow)]
    valid_to: &'a RawValue,
    valid_today: bool,
    #[serde(borrow)]
    scope_product: &'a RawValue,
}

/// The page as [`render_page`] writes it: the shape of [`ProductDetail`].
#[derive(Serialize)]
struct PageOut<'s, 'a> {
    #[serde(flatten)]
    card: &'s CardSource<'a>,
    #[serde(flatten)]
    detail: &'s DetailSource<'a>,
    assistance: AssistanceInfo,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn evaluation_follows_the_calendar() {
        let facts = Facts {
            supplier_approved: true,
            certs: vec![CertFact {
                kind: CertKind::AssistanceProduct,
                status: CertStatus::Expired,
                valid_from: d("2026-01-01"),
                valid_to: d("2026-06-30"),
                number: "A".into(),
            }],
            pairings: vec![
                PairingFact {
                    id: 2,
                    programme: Programme::OldRevolutionary,
                    helper_code: "440300".into(),
                    helper_name: None,
                    partner_code: "451000".into(),
                    valid_from: d("2023-05-26"),
                    valid_to: None,
                    level: 1,
                },
                PairingFact {
                    id: 1,
                    programme: Programme::EastWest,
                    helper_code: "440311".into(),
                    helper_name: Some("光明区".into()),
                    partner_code: "451003".into(),
                    valid_from: d("2021-01-01"),
                    valid_to: None,
                    level: 0,
                },
            ],
        };
        let june = facts.evaluate(d("2026-06-30"));
        assert!(june.eligible);
        assert_eq!(
            june.pairing.map(|p| p.id),
            Some(1),
            "the county's own pairing first"
        );
        assert!(
            !facts.evaluate(d("2026-07-01")).eligible,
            "recognition lapsed"
        );
        assert_eq!(
            facts.programmes_on(d("2026-07-01")),
            vec![Programme::EastWest, Programme::OldRevolutionary]
        );
        let unapproved = Facts {
            supplier_approved: false,
            ..facts
        };
        assert!(!unapproved.evaluate(d("2026-06-01")).eligible);
    }
}
