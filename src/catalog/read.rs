//! The read side of the catalog: loads a set of products with everything shown about them in a
//! fixed number of queries (no N+1), decides their assistance status, and builds the cards and
//! details the shop shows and the documents the search index holds.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::doc::{CertFact, Evaluated, Facts, PairingFact, ProductDoc};
use super::dto::{
    AssistanceInfo, CertBadge, Origin, PriceTier, ProductCard, ProductDetail, SkuView, SupplierRef,
    Trace,
};
use super::reference::Reference;
use crate::entities::{
    categories, certificates, organizations, pairings, product_images, product_skus, products,
    regions, sku_price_tiers, supplier_profiles,
};
use crate::error::AppError;
use crate::media;
use crate::money::Money;
use crate::suppliers::model::{CertStatus, SupplierStatus};

/// Products and what belongs to them, loaded together.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The products, in the order asked for.
    pub products: Vec<products::Model>,
    skus: HashMap<i64, Vec<product_skus::Model>>,
    tiers: HashMap<i64, Vec<sku_price_tiers::Model>>,
    images: HashMap<i64, Vec<String>>,
    product_certs: HashMap<i64, Vec<certificates::Model>>,
    supplier_certs: HashMap<i64, Vec<certificates::Model>>,
    suppliers: HashMap<i64, (String, Option<SupplierStatus>)>,
    reference: Arc<Reference>,
}

/// The first photo of each product (its thumbnail), for lists outside the catalogue such as a
/// member's orders: one query whatever the number of products.
///
/// # Errors
/// Database errors.
pub async fn thumbnails(
    conn: &impl ConnectionTrait,
    product_ids: &[i64],
) -> Result<HashMap<i64, Vec<media::ImageUrls>>, AppError> {
    let mut out = HashMap::new();
    if product_ids.is_empty() {
        return Ok(out);
    }
    for i in product_images::Entity::find()
        .filter(product_images::Column::ProductId.is_in(product_ids.to_vec()))
        .order_by_asc(product_images::Column::Position)
        .order_by_asc(product_images::Column::Id)
        .all(conn)
        .await?
    {
        out.entry(i.product_id)
            .or_insert_with(|| media::urls(&i.media_hash));
    }
    Ok(out)
}

/// Loads `ids` (in that order) with SKUs, images, certificates, suppliers, regions, pairings and
/// categories: ten queries whatever the number of products (eleven with price tiers). Reads
/// everything through `conn`, so a transaction sees its own changes.
///
/// # Errors
/// Database errors.
pub async fn load(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    with_tiers: bool,
) -> Result<Loaded, AppError> {
    if ids.is_empty() {
        return Ok(Loaded::default());
    }
    let reference = Arc::new(Reference::load(conn).await?);
    load_with(conn, ids, with_tiers, true, reference).await
}

/// Like [`load`], with regions, pairings and categories given (e.g. the instance's cached
/// [`Reference`]), and images only when asked for: five to seven queries.
///
/// # Errors
/// Database errors.
pub async fn load_with(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    with_tiers: bool,
    with_images: bool,
    reference: Arc<Reference>,
) -> Result<Loaded, AppError> {
    if ids.is_empty() {
        return Ok(Loaded::default());
    }
    let rows = products::Entity::find()
        .filter(products::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?;
    let mut by_id: HashMap<i64, products::Model> = rows.into_iter().map(|p| (p.id, p)).collect();
    let products: Vec<products::Model> = ids.iter().filter_map(|id| by_id.remove(id)).collect();
    let supplier_ids: Vec<i64> = products.iter().map(|p| p.supplier_org_id).collect();

    let mut skus: HashMap<i64, Vec<product_skus::Model>> = HashMap::new();
    for s in product_skus::Entity::find()
        .filter(product_skus::Column::ProductId.is_in(ids.to_vec()))
        .order_by_asc(product_skus::Column::Position)
        .order_by_asc(product_skus::Column::Id)
        .all(conn)
        .await?
    {
        skus.entry(s.product_id).or_default().push(s);
    }
    let mut tiers: HashMap<i64, Vec<sku_price_tiers::Model>> = HashMap::new();
    if with_tiers {
        let sku_ids: Vec<i64> = skus.values().flatten().map(|s| s.id).collect();
        for t in sku_price_tiers::Entity::find()
            .filter(sku_price_tiers::Column::SkuId.is_in(sku_ids))
            .order_by_asc(sku_price_tiers::Column::MinQty)
            .all(conn)
            .await?
        {
            tiers.entry(t.sku_id).or_default().push(t);
        }
    }
    let mut images: HashMap<i64, Vec<String>> = HashMap::new();
    if with_images {
        for i in product_images::Entity::find()
            .filter(product_images::Column::ProductId.is_in(ids.to_vec()))
            .order_by_asc(product_images::Column::Position)
            .order_by_asc(product_images::Column::Id)
            .all(conn)
            .await?
        {
            images.entry(i.product_id).or_default().push(i.media_hash);
        }
    }
    let mut product_certs: HashMap<i64, Vec<certificates::Model>> = HashMap::new();
    let mut supplier_certs: HashMap<i64, Vec<certificates::Model>> = HashMap::new();
    for c in certificates::Entity::find()
        .filter(
            Condition::any()
                .add(certificates::Column::ProductId.is_in(ids.to_vec()))
                .add(
                    Condition::all()
                        .add(certificates::Column::ProductId.is_null())
                        .add(certificates::Column::SupplierOrgId.is_in(supplier_ids.clone())),
                ),
        )
        .filter(certificates::Column::Status.is_in([CertStatus::Verified, CertStatus::Expired]))
        .order_by_asc(certificates::Column::Id)
        .all(conn)
        .await?
    {
        match c.product_id {
            Some(pid) => product_certs.entry(pid).or_default().push(c),
            None => supplier_certs.entry(c.supplier_org_id).or_default().push(c),
        }
    }
    let statuses: HashMap<i64, SupplierStatus> = supplier_profiles::Entity::find()
        .filter(supplier_profiles::Column::OrgId.is_in(supplier_ids.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.org_id, p.status))
        .collect();
    let suppliers = organizations::Entity::find()
        .filter(organizations::Column::Id.is_in(supplier_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, (o.name, statuses.get(&o.id).copied())))
        .collect();
    Ok(Loaded {
        products,
        skus,
        tiers,
        images,
        product_certs,
        supplier_certs,
        suppliers,
        reference,
    })
}

impl Loaded {
    /// The name of a supplier of the loaded products.
    #[must_use]
    pub fn supplier_name(&self, org_id: i64) -> Option<&str> {
        self.suppliers.get(&org_id).map(|(name, _)| name.as_str())
    }

    /// Regions from province to county.
    #[must_use]
    pub fn region_path(&self, code: &str) -> Vec<&regions::Model> {
        self.reference.region_path(code)
    }

    /// Category path from the top.
    #[must_use]
    pub fn category_path(&self, id: i64) -> Vec<&categories::Model> {
        self.reference.category_path(id)
    }

    /// Certificates that apply to a product: its own and its supplier's.
    pub fn certs_of<'a>(
        &'a self,
        p: &products::Model,
    ) -> impl Iterator<Item = &'a certificates::Model> + 'a {
        self.product_certs.get(&p.id).into_iter().flatten().chain(
            self.supplier_certs
                .get(&p.supplier_org_id)
                .into_iter()
                .flatten(),
        )
    }

    /// The pairing valid on `date` for the county or its city (the earliest-starting one).
    #[must_use]
    pub fn pairing_on(&self, county: &str, date: NaiveDate) -> Option<&pairings::Model> {
        let parent = self
            .reference
            .regions
            .get(county)
            .and_then(|r| r.parent_code.clone());
        for code in std::iter::once(county.to_owned()).chain(parent) {
            let mut found: Vec<&pairings::Model> = self
                .reference
                .pairings
                .iter()
                .filter(|p| {
                    p.partner_code == code
                        && p.valid_from <= date
                        && p.valid_to.is_none_or(|t| t >= date)
                })
                .collect();
            found.sort_by_key(|p| (p.valid_from, p.id));
            if let Some(p) = found.first() {
                return Some(p);
            }
        }
        None
    }

    /// What decides the product's assistance status on any day.
    #[must_use]
    pub fn facts(&self, p: &products::Model) -> Facts {
        let supplier_approved = self.suppliers.get(&p.supplier_org_id).and_then(|s| s.1)
            == Some(SupplierStatus::Approved);
        let certs = self
            .certs_of(p)
            .map(|c| CertFact {
                kind: c.kind,
                status: c.status,
                valid_from: c.valid_from,
                valid_to: c.valid_to,
                number: c.number.clone(),
            })
            .collect();
        let parent = self
            .reference
            .regions
            .get(&p.origin_county_code)
            .and_then(|r| r.parent_code.clone());
        let pairings = self
            .reference
            .pairings
            .iter()
            .filter_map(|pr| {
                let level = if pr.partner_code == p.origin_county_code {
                    0
                } else if parent.as_deref() == Some(pr.partner_code.as_str()) {
                    1
                } else {
                    return None;
                };
                Some(PairingFact {
                    id: pr.id,
                    programme: pr.programme,
                    helper_code: pr.helper_code.clone(),
                    helper_name: self
                        .reference
                        .regions
                        .get(&pr.helper_code)
                        .map(|r| r.name.clone()),
                    partner_code: pr.partner_code.clone(),
                    valid_from: pr.valid_from,
                    valid_to: pr.valid_to,
                    level,
                })
            })
            .collect();
        Facts {
            supplier_approved,
            certs,
            pairings,
        }
    }

    /// The assistance status of a product on `date`.
    #[must_use]
    pub fn assistance(&self, p: &products::Model, date: NaiveDate) -> Evaluated {
        self.facts(p).evaluate(date)
    }

    /// Stock per active SKU of a product.
    #[must_use]
    pub fn stock(&self, id: i64) -> HashMap<i64, i64> {
        self.skus
            .get(&id)
            .into_iter()
            .flatten()
            .map(|s| (s.id, s.stock))
            .collect()
    }

    /// The product document (the page without its day-dependent parts) and its facts.
    #[must_use]
    pub fn doc(&self, p: &products::Model) -> ProductDoc {
        let active: Vec<&product_skus::Model> = self
            .skus
            .get(&p.id)
            .into_iter()
            .flatten()
            .filter(|s| s.active)
            .collect();
        let min = active.iter().map(|s| s.price_fen).min().unwrap_or(0);
        let max = active.iter().map(|s| s.price_fen).max().unwrap_or(0);
        let path = self.region_path(&p.origin_county_code);
        let origin = Origin {
            county_code: p.origin_county_code.clone(),
            county_name: path.last().map(|r| r.name.clone()).unwrap_or_default(),
            path: path.iter().map(|r| r.name.clone()).collect(),
        };
        let card = ProductCard {
            id: p.id,
            name: p.name.clone(),
            subtitle: p.subtitle.clone(),
            price_min_fen: Money::from_fen(min),
            price_max_fen: Money::from_fen(max),
            image: self
                .images
                .get(&p.id)
                .and_then(|v| v.first())
                .map(|h| media::urls(h)),
            origin,
            supplier: SupplierRef {
                id: p.supplier_org_id,
                name: self
                    .suppliers
                    .get(&p.supplier_org_id)
                    .map(|s| s.0.clone())
                    .unwrap_or_default(),
            },
            cert_kinds: vec![],
            assistance_eligible: false,
            sales_count: p.sales_count,
            in_stock: false,
            status: p.status,
        };
        let skus = active
            .iter()
            .map(|s| SkuView {
                id: s.id,
                spec: s.spec.clone(),
                price_fen: Money::from_fen(s.price_fen),
                unit: s.unit.clone(),
                weight_grams: s.weight_grams,
                stock: s.stock,
                min_order_qty: s.min_order_qty,
                tiers: self
                    .tiers
                    .get(&s.id)
                    .into_iter()
                    .flatten()
                    .map(|t| PriceTier {
                        min_qty: t.min_qty,
                        price_fen: Money::from_fen(t.price_fen),
                    })
                    .collect(),
            })
            .collect();
        let certificates = self
            .certs_of(p)
            .map(|c| CertBadge {
                kind: c.kind,
                number: c.number.clone(),
                issuer: c.issuer.clone(),
                valid_from: c.valid_from,
                valid_to: c.valid_to,
                valid_today: false,
                scope_product: c.product_id.is_some(),
            })
            .collect();
        let detail = ProductDetail {
            card,
            description_html: p.description_html.clone(),
            storage: p.storage,
            shelf_life_days: p.shelf_life_days,
            producer_name: p.producer_name.clone(),
            category_path: self
                .category_path(p.category_id)
                .iter()
                .map(|c| c.name.clone())
                .collect(),
            category_id: p.category_id,
            skus,
            images: self
                .images
                .get(&p.id)
                .into_iter()
                .flatten()
                .map(|h| media::urls(h))
                .collect(),
            certificates,
            trace: Trace {
                base: p.trace_base.clone(),
                batch: p.trace_batch.clone(),
                harvest_date: p.trace_harvest_date,
                test_report_id: p.trace_test_report_id,
            },
            assistance: AssistanceInfo {
                eligible: false,
                partner_county: false,
                supplier_approved: false,
                recognised: false,
                programme: None,
                helper_name: None,
            },
            updated_at: p.updated_at,
        };
        ProductDoc {
            detail,
            facts: self.facts(p),
        }
    }

    /// The full product page on `date`.
    #[must_use]
    pub fn detail(&self, p: &products::Model, date: NaiveDate) -> ProductDetail {
        self.doc(p).render(date, &self.stock(p.id))
    }

    /// The card shown in lists on `date`.
    #[must_use]
    pub fn card(&self, p: &products::Model, date: NaiveDate) -> ProductCard {
        self.detail(p, date).card
    }
}
