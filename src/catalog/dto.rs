//! JSON in and out of the catalog endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{ProductStatus, Storage, ZoneRule};
use crate::media::ImageUrls;
use crate::money::Money;
use crate::regions::model::Programme;
use crate::suppliers::model::CertKind;

/// Where a product comes from.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Origin {
    /// County code.
    pub county_code: String,
    /// County name.
    pub county_name: String,
    /// Names from province to county, e.g. 广西壮族自治区 / 百色市 / 田阳区.
    pub path: Vec<String>,
}

/// The supplier of a product.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SupplierRef {
    /// Organisation id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// A product in a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProductCard {
    /// Product id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Short selling point.
    pub subtitle: Option<String>,
    /// Lowest SKU price, fen.
    pub price_min_fen: Money,
    /// Highest SKU price, fen.
    pub price_max_fen: Money,
    /// First image, when there is one.
    pub image: Option<Vec<ImageUrls>>,
    /// Origin.
    pub origin: Origin,
    /// Supplier.
    pub supplier: SupplierRef,
    /// Kinds of certificate valid today.
    pub cert_kinds: Vec<CertKind>,
    /// Counts as an assistance purchase today.
    pub assistance_eligible: bool,
    /// Units sold.
    pub sales_count: i64,
    /// Some SKU has stock.
    pub in_stock: bool,
    /// Listing status.
    pub status: ProductStatus,
}

/// A quantity price tier.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceTier {
    /// From this many units…
    pub min_qty: i32,
    /// …this unit price, fen.
    pub price_fen: Money,
}

/// A sellable variant.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SkuView {
    /// SKU id.
    pub id: i64,
    /// Spec, e.g. 5kg/箱.
    pub spec: String,
    /// Unit price, fen.
    pub price_fen: Money,
    /// Packing unit, e.g. 箱.
    pub unit: String,
    /// Weight in grams.
    pub weight_grams: i32,
    /// Units in stock.
    pub stock: i64,
    /// Minimum order quantity.
    pub min_order_qty: i32,
    /// Bulk price tiers.
    pub tiers: Vec<PriceTier>,
}

/// A certificate as shown on a product page.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CertBadge {
    /// Kind.
    pub kind: CertKind,
    /// Number.
    pub number: String,
    /// Issuer.
    pub issuer: String,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_to: NaiveDate,
    /// Verified and within its dates today.
    pub valid_today: bool,
    /// For this product only (else for the whole supplier).
    pub scope_product: bool,
}

/// Traceability (一品一码).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Trace {
    /// Production base.
    pub base: Option<String>,
    /// Batch.
    pub batch: Option<String>,
    /// Harvest date.
    pub harvest_date: Option<NaiveDate>,
    /// Test report document.
    pub test_report_id: Option<i64>,
}

/// Why a product counts (or not) as an assistance purchase today.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssistanceInfo {
    /// It counts.
    pub eligible: bool,
    /// Its origin is a partner county today.
    pub partner_county: bool,
    /// Its supplier is admitted.
    pub supplier_approved: bool,
    /// It holds a valid assistance-product recognition.
    pub recognised: bool,
    /// The programme of the pairing.
    pub programme: Option<Programme>,
    /// The helper (e.g. 福田区).
    pub helper_name: Option<String>,
}

/// The full product page.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProductDetail {
    /// The card fields.
    #[serde(flatten)]
    pub card: ProductCard,
    /// Description (sanitised HTML).
    pub description_html: String,
    /// Storage condition.
    pub storage: Storage,
    /// Shelf life in days.
    pub shelf_life_days: i32,
    /// Producer (for agent suppliers, the producer they sell for).
    pub producer_name: String,
    /// Category id.
    pub category_id: i64,
    /// Category names from the top.
    pub category_path: Vec<String>,
    /// Variants.
    pub skus: Vec<SkuView>,
    /// Images.
    pub images: Vec<Vec<ImageUrls>>,
    /// Certificates (own and supplier's).
    pub certificates: Vec<CertBadge>,
    /// Traceability.
    pub trace: Trace,
    /// Assistance status today.
    pub assistance: AssistanceInfo,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Facet counts of a search.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Facets {
    /// Top-level categories (or children of the chosen one): id -> count.
    pub categories: Vec<FacetCount>,
    /// Provinces (or cities of the chosen province): code -> count.
    pub regions: Vec<FacetCount>,
    /// Certificate kinds.
    pub certificates: Vec<FacetCount>,
    /// Programmes.
    pub programmes: Vec<FacetCount>,
}

/// One facet value.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FacetCount {
    /// The value (category id, region code, kind).
    pub value: String,
    /// Its label.
    pub label: String,
    /// Matching products.
    pub count: u64,
}

/// A page of products.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductPage {
    /// Products.
    pub items: Vec<ProductCard>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
    /// Matching products in all.
    pub total: u64,
    /// Facet counts.
    pub facets: Facets,
}

/// Sort orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    /// Best match first (the default with a text query).
    Relevance,
    /// Cheapest first.
    PriceAsc,
    /// Dearest first.
    PriceDesc,
    /// Best selling first (the default without a text query).
    #[default]
    Sales,
    /// Most recently listed first.
    Newest,
}

/// Search and filter parameters of the shop.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// Text: Chinese (百色芒果), pinyin (mangguo) or initials (mg).
    pub q: Option<String>,
    /// Category id (includes its children).
    pub category: Option<i64>,
    /// Region code: province, city or county.
    pub region: Option<String>,
    /// Programme.
    pub programme: Option<Programme>,
    /// Certificate kind valid today.
    pub cert: Option<CertKind>,
    /// Zone slug.
    pub zone: Option<String>,
    /// Lowest price, fen.
    pub min_price: Option<i64>,
    /// Highest price, fen.
    pub max_price: Option<i64>,
    /// Only products in stock.
    pub in_stock: Option<bool>,
    /// Sort order.
    pub sort: Option<SortBy>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size (1-100, default 20).
    pub limit: Option<usize>,
}

/// A SKU in a product editor. With `id`, an existing SKU is changed; without, one is added.
/// SKUs left out are deactivated (never deleted: orders refer to them).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkuInput {
    /// Existing SKU id.
    pub id: Option<i64>,
    /// Spec, e.g. 5kg/箱.
    pub spec: String,
    /// Unit price, fen (> 0).
    pub price_fen: Money,
    /// Packing unit.
    pub unit: String,
    /// Weight in grams.
    pub weight_grams: i32,
    /// Initial stock (new SKUs only; change stock with the stock endpoint).
    pub stock: Option<i64>,
    /// Minimum order quantity (default 1).
    pub min_order_qty: Option<i32>,
    /// Bulk price tiers (each cheaper than the unit price, rising quantities).
    #[serde(default)]
    pub tiers: Vec<PriceTier>,
}

/// A product as written by its supplier.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// Category (a second-level one).
    pub category_id: i64,
    /// Name (2-60 characters).
    pub name: String,
    /// Short selling point.
    pub subtitle: Option<String>,
    /// Description: HTML, sanitised on save.
    pub description_html: String,
    /// Producer; defaults to the supplier. Agent suppliers name the producer they sell for.
    pub producer_name: Option<String>,
    /// Origin county; defaults to the supplier's registered county. Only agent suppliers may
    /// name another (partner) county.
    pub origin_county_code: Option<String>,
    /// Storage condition.
    pub storage: Storage,
    /// Shelf life in days.
    pub shelf_life_days: i32,
    /// Production base.
    pub trace_base: Option<String>,
    /// Batch.
    pub trace_batch: Option<String>,
    /// Harvest date.
    pub trace_harvest_date: Option<NaiveDate>,
    /// Test report (a document of this supplier).
    pub trace_test_report_id: Option<i64>,
    /// Variants (at least one).
    pub skus: Vec<SkuInput>,
    /// Image hashes from `/api/media/images`, in display order.
    #[serde(default)]
    pub images: Vec<String>,
}

/// A product as its supplier sees it in the portal.
#[derive(Debug, Serialize, ToSchema)]
pub struct ManagedProduct {
    /// The page as the shop shows it.
    #[serde(flatten)]
    pub detail: ProductDetail,
    /// Reviewer's reason (rejection).
    pub review_reason: Option<String>,
    /// Image hashes (for editing).
    pub image_hashes: Vec<String>,
    /// Changes with every edit of the product.
    pub version: i64,
}

/// A page of a supplier's products.
#[derive(Debug, Serialize, ToSchema)]
pub struct ManagedPage {
    /// Products, newest first.
    pub items: Vec<ProductCard>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Filters for a supplier's products or the review queue.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ManagedQuery {
    /// Only this status.
    pub status: Option<ProductStatus>,
    /// Page cursor.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u64>,
}

/// A stock change: either a new level or a difference.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockChange {
    /// Set stock to this level.
    pub set: Option<i64>,
    /// Or add this many (negative to remove).
    pub delta: Option<i64>,
    /// Why (recorded in the audit log).
    pub reason: Option<String>,
}

/// The stock after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockLevel {
    /// SKU id.
    pub sku_id: i64,
    /// Units in stock.
    pub stock: i64,
}

/// A reviewer's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewDecision {
    /// Why (required to reject).
    pub reason: Option<String>,
}

/// A zone (专馆/专区).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Zone {
    /// Id.
    pub id: i64,
    /// Slug, used in URLs and `?zone=`.
    pub slug: String,
    /// 中文名.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// What it selects.
    pub rule_kind: ZoneRule,
    /// Region code, programme or certificate kind.
    pub rule_value: String,
    /// Banner image.
    pub banner: Option<Vec<ImageUrls>>,
    /// Banner image hash (to keep it when saving).
    pub banner_media_hash: Option<String>,
    /// Text under the banner.
    pub description: Option<String>,
    /// Display order.
    pub position: i32,
    /// Shown in the shop.
    pub active: bool,
}

/// Zones in display order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneList {
    /// Zones.
    pub items: Vec<Zone>,
}

/// A new or changed zone (operators).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneInput {
    /// Slug (a-z, 0-9, -).
    pub slug: String,
    /// 中文名.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// What it selects.
    pub rule_kind: ZoneRule,
    /// Region code, programme or certificate kind.
    pub rule_value: String,
    /// Banner image hash.
    pub banner_media_hash: Option<String>,
    /// Text under the banner.
    pub description: Option<String>,
    /// Display order.
    pub position: i32,
    /// Shown in the shop.
    pub active: bool,
}
