//! Demo catalogue: admitted suppliers with certificates, zones, and real produce of the partner
//! counties (fictional listings), each with SKUs, bulk tiers and a generated photo. With a
//! larger size, synthetic listings are added for load tests.

use std::collections::HashMap;

use bytes::Bytes;
use chrono::{Duration, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect,
};

use crate::catalog::model::{ProductStatus, Storage, ZoneRule};
use crate::entities::{
    categories, certificates, media, organizations, product_images, product_skus, products,
    regions, sku_price_tiers, supplier_profiles, zones,
};
use crate::media::Media;
use crate::suppliers::model::{CertKind, CertStatus, SupplierStatus};

/// (supplier index in `SUPPLIERS`, category slug, name, subtitle, spec, price fen, unit, grams, storage, shelf days, tiers).
type Listing = (
    usize,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static str,
    i32,
    Storage,
    i32,
    &'static [(i32, i64)],
);

const LISTINGS: &[Listing] = &[
    (
        0,
        "beef-mutton",
        "马山黑山羊肉",
        "石山放养，肉质细嫩",
        "2kg/袋",
        25800,
        "袋",
        2000,
        Storage::Frozen,
        180,
        &[(20, 24800), (100, 23800)],
    ),
    (
        0,
        "processed",
        "马山旱藕粉",
        "传统工艺，冲泡即食",
        "500g/袋",
        3900,
        "袋",
        500,
        Storage::Ambient,
        365,
        &[(50, 3500)],
    ),
    (
        1,
        "rice",
        "上林大米",
        "大明山下的香米",
        "10kg/袋",
        8900,
        "袋",
        10000,
        Storage::Ambient,
        365,
        &[(20, 8300), (100, 7900)],
    ),
    (
        1,
        "spices",
        "上林八角",
        "肉厚香浓",
        "500g/袋",
        4600,
        "袋",
        500,
        Storage::Ambient,
        540,
        &[],
    ),
    (
        2,
        "tropical",
        "那桐香蕉",
        "隆安那桐，自然熟",
        "5kg/箱",
        4500,
        "箱",
        5000,
        Storage::Ambient,
        10,
        &[(50, 4100)],
    ),
    (
        2,
        "tropical",
        "隆安火龙果",
        "红心火龙果",
        "5kg/箱",
        6800,
        "箱",
        5000,
        Storage::Chilled,
        15,
        &[],
    ),
    (
        3,
        "green-tea",
        "龙脊云雾茶",
        "高山云雾，明前采摘",
        "250g/罐",
        12800,
        "罐",
        250,
        Storage::Ambient,
        540,
        &[(30, 11800)],
    ),
    (
        3,
        "poultry",
        "龙胜凤鸡",
        "山林散养一年以上",
        "1.5kg/只",
        16800,
        "只",
        1500,
        Storage::Frozen,
        180,
        &[],
    ),
    (
        4,
        "tropical",
        "百色芒果（田阳香芒）",
        "田阳香芒，果香浓郁",
        "5kg/箱",
        7900,
        "箱",
        5000,
        Storage::Ambient,
        12,
        &[(30, 7300), (200, 6900)],
    ),
    (
        4,
        "leafy",
        "田阳番茄",
        "冬季南菜北运基地",
        "5kg/箱",
        3900,
        "箱",
        5000,
        Storage::Chilled,
        14,
        &[(100, 3500)],
    ),
    (
        5,
        "citrus",
        "德保脐橙",
        "桂西山地脐橙",
        "5kg/箱",
        5900,
        "箱",
        5000,
        Storage::Ambient,
        30,
        &[],
    ),
    (
        5,
        "edible-oil",
        "德保山茶油",
        "冷榨一级山茶油",
        "2.5L/瓶",
        19800,
        "瓶",
        2300,
        Storage::Ambient,
        540,
        &[(20, 18800)],
    ),
    (
        6,
        "pork",
        "环江香猪肉",
        "环江香猪，皮薄肉香",
        "2kg/箱",
        19800,
        "箱",
        2000,
        Storage::Frozen,
        180,
        &[(30, 18800)],
    ),
    (
        6,
        "rice",
        "环江香粳米",
        "毛南山乡香粳",
        "5kg/袋",
        6900,
        "袋",
        5000,
        Storage::Ambient,
        365,
        &[],
    ),
    (
        7,
        "citrus",
        "赣南脐橙",
        "兴国脐橙，地理标志产品",
        "10kg/箱",
        9900,
        "箱",
        10000,
        Storage::Ambient,
        45,
        &[(50, 9200), (200, 8800)],
    ),
    (
        7,
        "snacks",
        "兴国红薯干",
        "无添加，软糯香甜",
        "500g/袋",
        2500,
        "袋",
        500,
        Storage::Ambient,
        270,
        &[],
    ),
    (
        8,
        "citrus",
        "寻乌蜜桔",
        "赣南蜜桔，皮薄多汁",
        "5kg/箱",
        4900,
        "箱",
        5000,
        Storage::Ambient,
        30,
        &[(50, 4500)],
    ),
    (
        8,
        "tropical",
        "寻乌百香果",
        "紫香一号",
        "3kg/箱",
        5900,
        "箱",
        3000,
        Storage::Ambient,
        20,
        &[],
    ),
    (
        9,
        "rice",
        "乳源瑶山大米",
        "高山梯田，一年一季",
        "10kg/袋",
        10800,
        "袋",
        10000,
        Storage::Ambient,
        365,
        &[(20, 9900)],
    ),
    (
        9,
        "black-tea",
        "乳源高山红茶",
        "南岭山脉高山茶",
        "200g/盒",
        8800,
        "盒",
        200,
        Storage::Ambient,
        720,
        &[],
    ),
    (
        10,
        "rice",
        "海丰油占米",
        "海丰丝苗，粒长油亮",
        "10kg/袋",
        7900,
        "袋",
        10000,
        Storage::Ambient,
        365,
        &[(50, 7300)],
    ),
    (
        10,
        "shrimp-crab",
        "海丰虾干",
        "汕尾海产，日晒虾干",
        "500g/袋",
        13800,
        "袋",
        500,
        Storage::Chilled,
        180,
        &[],
    ),
];

/// Zones of the demo shop: (slug, 中文, English, rule, value).
const ZONES: &[(&str, &str, &str, ZoneRule, &str)] = &[
    (
        "guangxi",
        "广西馆",
        "Guangxi Pavilion",
        ZoneRule::Region,
        "450000",
    ),
    ("baise", "百色专区", "Baise", ZoneRule::Region, "451000"),
    (
        "ganzhou",
        "赣州馆",
        "Ganzhou Pavilion",
        ZoneRule::Region,
        "360700",
    ),
    (
        "shaoguan",
        "韶关馆",
        "Shaoguan Pavilion",
        ZoneRule::Region,
        "440200",
    ),
    (
        "zhenpin",
        "圳品专区",
        "Zhenpin (Shenzhen Standard)",
        ZoneRule::Certificate,
        "zhenpin",
    ),
    (
        "old-revolutionary",
        "革命老区专区",
        "Old Revolutionary Areas",
        ZoneRule::Programme,
        "old_revolutionary",
    ),
];

/// A photo-like demo image: a gradient in the category's colour with a lighter disc.
fn demo_image(seed: u32) -> Vec<u8> {
    let hues: [(u8, u8, u8); 8] = [
        (230, 126, 34),
        (46, 204, 113),
        (231, 76, 60),
        (241, 196, 15),
        (155, 89, 182),
        (52, 152, 219),
        (26, 188, 156),
        (192, 57, 43),
    ];
    let (r, g, b) = hues[(seed as usize) % hues.len()];
    let img = image::RgbImage::from_fn(720, 720, |x, y| {
        let dx = f64::from(x) - 360.0;
        let dy = f64::from(y) - 330.0;
        let inside = dx * dx + dy * dy < 220.0 * 220.0;
        let shade = |c: u8| {
            let base = u32::from(c) * (720 + y) / 1440 + 40;
            let lit = if inside { base + 60 } else { base };
            u8::try_from(lit.min(255)).unwrap_or(255)
        };
        image::Rgb([shade(r), shade(g), shade(b)])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    // Encoding an in-memory RGB image as PNG cannot fail.
    let _ = image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Png);
    out.into_inner()
}

/// Stores a demo image through the same pipeline as uploads; returns its hash.
async fn image(
    conn: &impl ConnectionTrait,
    media_store: &Media,
    seed: u32,
) -> anyhow::Result<String> {
    let bytes = demo_image(seed);
    let hash = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(&bytes))
    };
    if media::Entity::find_by_id(hash.clone())
        .one(conn)
        .await?
        .is_some()
    {
        return Ok(hash);
    }
    let processed =
        tokio::task::spawn_blocking(move || crate::media::process::process(&bytes)).await??;
    for r in &processed.renditions {
        media_store
            .store
            .put(
                &format!("img/{}/{hash}/{}.{}", &hash[..2], r.size, r.ext),
                Bytes::from(r.bytes.clone()),
            )
            .await?;
    }
    media::Entity::insert(media::ActiveModel {
        hash: Set(hash.clone()),
        width: Set(i32::try_from(processed.width)?),
        height: Set(i32::try_from(processed.height)?),
        source_format: Set(processed.source_format.to_owned()),
        size_bytes: Set(0),
        org_id: Set(None),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(media::Column::Hash)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(hash)
}

/// Counts of what [`seed`] inserted.
#[derive(Debug, Default, Clone, Copy)]
pub struct CatalogReport {
    /// Products inserted.
    pub products: u64,
    /// Zones inserted.
    pub zones: u64,
}

/// Admits the demo suppliers, gives them certificates, and lists the demo produce; with
/// `extra` > 0, adds that many synthetic listings (for load tests). Idempotent.
///
/// # Errors
/// Database or storage errors.
pub async fn seed(
    conn: &impl ConnectionTrait,
    media_store: &Media,
    supplier_ids: &[i64],
    extra: u64,
) -> anyhow::Result<CatalogReport> {
    let mut report = CatalogReport::default();
    let now = Utc::now();
    let today = crate::time::business_date(now);
    let year_start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or(today);
    let cats: HashMap<String, i64> = categories::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.slug, c.id))
        .collect();

    for (i, org_id) in supplier_ids.iter().enumerate() {
        let org = organizations::Entity::find_by_id(*org_id)
            .one(conn)
            .await?
            .ok_or_else(|| anyhow::anyhow!("supplier {org_id}"))?;
        supplier_profiles::Entity::insert(supplier_profiles::ActiveModel {
            org_id: Set(org.id),
            status: Set(SupplierStatus::Approved),
            legal_name: Set(org.name.clone()),
            uscc: Set(org.uscc.clone().unwrap_or_default()),
            registered_county_code: Set(org.region_code.clone().unwrap_or_default()),
            contact_name: Set(Some("演示联系人".into())),
            contact_phone: Set(Some(format!("139200{:05}", i + 1))),
            bank_name: Set(Some("中国农业银行（演示）".into())),
            bank_account: Set(Some(format!("62284800{:011}", i + 1))),
            farmer_links: Set(Some("带动本地农户订单种养，保底收购（演示数据）".into())),
            is_agent: Set(false),
            recommendation: Set(Some("县乡村振兴局推荐（演示）".into())),
            decision_reason: Set(None),
            submitted_at: Set(Some(now)),
            decided_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(supplier_profiles::Column::OrgId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
        // A supplier-wide assistance-product recognition, valid this year and next.
        let number = format!(
            "XFBF-{}-{:04}",
            org.region_code.clone().unwrap_or_default(),
            i + 1
        );
        let exists = certificates::Entity::find()
            .filter(certificates::Column::Number.eq(number.clone()))
            .one(conn)
            .await?
            .is_some();
        if !exists {
            certificates::ActiveModel {
                supplier_org_id: Set(org.id),
                product_id: Set(None),
                kind: Set(CertKind::AssistanceProduct),
                number: Set(number),
                issuer: Set("县乡村振兴局（演示）".into()),
                valid_from: Set(year_start),
                valid_to: Set(year_start + Duration::days(729)),
                document_id: Set(None),
                status: Set(CertStatus::Verified),
                review_reason: Set(None),
                reviewed_by: Set(None),
                reviewed_at: Set(Some(now)),
                expiry_warned_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
    }

    for (pos, (slug, name, name_en, rule, value)) in ZONES.iter().enumerate() {
        report.zones += zones::Entity::insert(zones::ActiveModel {
            slug: Set((*slug).to_owned()),
            name: Set((*name).to_owned()),
            name_en: Set((*name_en).to_owned()),
            rule_kind: Set(*rule),
            rule_value: Set((*value).to_owned()),
            banner_media_hash: Set(None),
            description: Set(None),
            position: Set(i32::try_from(pos).unwrap_or(0)),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(zones::Column::Slug)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    }

    let mut images = Vec::new();
    for seed in 0..8u32 {
        images.push(image(conn, media_store, seed).await?);
    }
    for (n, (supplier, cat, name, subtitle, spec, price, unit, grams, storage, shelf, tiers)) in
        LISTINGS.iter().enumerate()
    {
        let Some(org_id) = supplier_ids.get(*supplier) else {
            continue;
        };
        let exists = products::Entity::find()
            .filter(products::Column::SupplierOrgId.eq(*org_id))
            .filter(products::Column::Name.eq(*name))
            .one(conn)
            .await?
            .is_some();
        if exists {
            continue;
        }
        let org = organizations::Entity::find_by_id(*org_id)
            .one(conn)
            .await?
            .ok_or_else(|| anyhow::anyhow!("supplier"))?;
        let product = products::ActiveModel {
            supplier_org_id: Set(org.id),
            producer_name: Set(org.name.clone()),
            origin_county_code: Set(org.region_code.clone().unwrap_or_default()),
            category_id: Set(*cats
                .get(*cat)
                .ok_or_else(|| anyhow::anyhow!("category {cat}"))?),
            name: Set((*name).to_owned()),
            subtitle: Set(Some((*subtitle).to_owned())),
            description_html: Set(format!(
                "<p>{name}：{subtitle}。产自{}，由{}供应。</p><p>演示商品，仅供体验。</p>",
                place_name(conn, org.region_code.as_deref()).await?,
                org.name
            )),
            storage: Set(*storage),
            shelf_life_days: Set(*shelf),
            status: Set(ProductStatus::Listed),
            review_reason: Set(None),
            trace_base: Set(Some(format!(
                "{}种养基地（演示）",
                &org.name.chars().take(4).collect::<String>()
            ))),
            trace_batch: Set(Some(format!("2026-{:03}", n + 1))),
            trace_harvest_date: Set(Some(today - Duration::days(3))),
            trace_test_report_id: Set(None),
            sales_count: Set(i64::try_from((n * 37) % 500).unwrap_or(0)),
            version: Set(1),
            listed_at: Set(Some(now - Duration::minutes(i64::try_from(n).unwrap_or(0)))),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        let sku = product_skus::ActiveModel {
            product_id: Set(product.id),
            spec: Set((*spec).to_owned()),
            price_fen: Set(*price),
            unit: Set((*unit).to_owned()),
            weight_grams: Set(*grams),
            stock: Set(500),
            min_order_qty: Set(1),
            position: Set(0),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        for (q, p) in *tiers {
            sku_price_tiers::ActiveModel {
                sku_id: Set(sku.id),
                min_qty: Set(*q),
                price_fen: Set(*p),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
        product_images::ActiveModel {
            product_id: Set(product.id),
            media_hash: Set(images[n % images.len()].clone()),
            position: Set(0),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        // Some products carry a 圳品 certificate of their own.
        if n % 3 == 0 {
            certificates::ActiveModel {
                supplier_org_id: Set(org.id),
                product_id: Set(Some(product.id)),
                kind: Set(CertKind::Zhenpin),
                number: Set(format!("ZP2026{:05}", product.id)),
                issuer: Set("深圳市标准技术研究院（演示）".into()),
                valid_from: Set(year_start),
                valid_to: Set(year_start + Duration::days(1094)),
                document_id: Set(None),
                status: Set(CertStatus::Verified),
                review_reason: Set(None),
                reviewed_by: Set(None),
                reviewed_at: Set(Some(now)),
                expiry_warned_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
        report.products += 1;
    }
    report.products += synthetic(conn, supplier_ids, &cats, &images, extra).await?;
    demo_campaigns(conn, now).await?;
    crate::catalog::view::backfill(conn)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(report)
}

/// Adds synthetic listings until the catalogue holds `LISTINGS.len() + extra` products.
async fn synthetic(
    conn: &impl ConnectionTrait,
    supplier_ids: &[i64],
    cats: &HashMap<String, i64>,
    images: &[String],
    extra: u64,
) -> anyhow::Result<u64> {
    if extra == 0 || supplier_ids.is_empty() {
        return Ok(0);
    }
    let have: Vec<i64> = products::Entity::find()
        .select_only()
        .column(products::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let target = LISTINGS.len() as u64 + extra;
    let missing = target.saturating_sub(have.len() as u64);
    let now = Utc::now();
    let orgs: HashMap<i64, organizations::Model> = organizations::Entity::find()
        .filter(organizations::Column::Id.is_in(supplier_ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let grades = [
        "精选",
        "特级",
        "一级",
        "家庭装",
        "礼盒装",
        "有机",
        "高山",
        "生态",
    ];
    let mut inserted = 0u64;
    let start = have.len();
    for chunk_start in (0..missing).step_by(500) {
        let chunk_end = (chunk_start + 500).min(missing);
        let mut rows = Vec::new();
        for k in chunk_start..chunk_end {
            let i = start + usize::try_from(k).unwrap_or(0);
            let (supplier, cat, name, subtitle, ..) = LISTINGS[i % LISTINGS.len()];
            let org = &orgs[&supplier_ids[supplier % supplier_ids.len()]];
            rows.push(products::ActiveModel {
                supplier_org_id: Set(org.id),
                producer_name: Set(org.name.clone()),
                origin_county_code: Set(org.region_code.clone().unwrap_or_default()),
                category_id: Set(cats[cat]),
                name: Set(format!("{}{} {}号", grades[i % grades.len()], name, i)),
                subtitle: Set(Some(subtitle.to_owned())),
                description_html: Set(format!("<p>{name}（批量演示商品 {i}）</p>")),
                storage: Set(Storage::Ambient),
                shelf_life_days: Set(90),
                status: Set(ProductStatus::Listed),
                review_reason: Set(None),
                trace_base: Set(None),
                trace_batch: Set(None),
                trace_harvest_date: Set(None),
                trace_test_report_id: Set(None),
                sales_count: Set(i64::try_from((i * 7919) % 10_000).unwrap_or(0)),
                version: Set(1),
                listed_at: Set(Some(now - Duration::seconds(i64::try_from(i).unwrap_or(0)))),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        }
        products::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
        inserted += chunk_end - chunk_start;
    }
    // SKUs and images for the products that have none yet.
    let with_sku: std::collections::HashSet<i64> = product_skus::Entity::find()
        .select_only()
        .column(product_skus::Column::ProductId)
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let all: Vec<(i64, String)> = products::Entity::find()
        .select_only()
        .column(products::Column::Id)
        .column(products::Column::Name)
        .into_tuple()
        .all(conn)
        .await?;
    let todo: Vec<(i64, String)> = all
        .into_iter()
        .filter(|(id, _)| !with_sku.contains(id))
        .collect();
    for chunk in todo.chunks(500) {
        let skus: Vec<product_skus::ActiveModel> = chunk
            .iter()
            .map(|(id, _)| product_skus::ActiveModel {
                product_id: Set(*id),
                spec: Set("5kg/箱".into()),
                price_fen: Set(1000 + (id * 137) % 20_000),
                unit: Set("箱".into()),
                weight_grams: Set(5000),
                stock: Set(if id % 17 == 0 { 0 } else { 1000 }),
                min_order_qty: Set(1),
                position: Set(0),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .collect();
        product_skus::Entity::insert_many(skus)
            .exec_without_returning(conn)
            .await?;
        let imgs: Vec<product_images::ActiveModel> = chunk
            .iter()
            .map(|(id, _)| product_images::ActiveModel {
                product_id: Set(*id),
                media_hash: Set(images[usize::try_from(*id).unwrap_or(0) % images.len()].clone()),
                position: Set(0),
                ..Default::default()
            })
            .collect();
        product_images::Entity::insert_many(imgs)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(inserted)
}

/// The demo union's coupon campaigns: a daily drop open all day (满50减40, 500 a day), and one
/// starting next month.
async fn demo_campaigns(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    use crate::coupons::model::{AudienceKind, CampaignStatus, ClaimMode, Scope, ValidityKind};
    use crate::entities::coupon_campaigns;
    use crate::vocab::JsonText;
    let Some(union) = organizations::Entity::find()
        .filter(organizations::Column::Kind.eq(crate::auth::OrgKind::Union))
        .filter(organizations::Column::Name.eq("深圳市总工会（演示）"))
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    let today = crate::time::business_date(now);
    let specs = [
        (
            "2026冬季消费帮扶券（满50减40）",
            4000i64,
            5000i64,
            today - Duration::days(1),
            today + Duration::days(60),
            "00:00",
        ),
        (
            "春节年货帮扶券（满100减50）",
            5000,
            10000,
            today + Duration::days(30),
            today + Duration::days(90),
            "09:00",
        ),
    ];
    for (name, face, min, starts, ends, time) in specs {
        let exists = coupon_campaigns::Entity::find()
            .filter(coupon_campaigns::Column::UnionOrgId.eq(union.id))
            .filter(coupon_campaigns::Column::Name.eq(name))
            .one(conn)
            .await?
            .is_some();
        if exists {
            continue;
        }
        coupon_campaigns::ActiveModel {
            union_org_id: Set(union.id),
            name: Set(name.to_owned()),
            face_value_fen: Set(face),
            min_spend_fen: Set(min),
            total_quantity: Set(30_000),
            budget_fen: Set(face * 30_000),
            per_member_limit: Set(1),
            per_member_daily_limit: Set(1),
            audience_kind: Set(AudienceKind::All),
            audience_values: Set(JsonText(vec![])),
            claim_mode: Set(ClaimMode::Drop),
            daily_quantity: Set(Some(500)),
            drop_time: Set(Some(time.into())),
            rollover: Set(true),
            validity_kind: Set(ValidityKind::Relative),
            valid_from: Set(None),
            valid_to: Set(None),
            valid_days: Set(Some(30)),
            scope: Set(JsonText(Scope {
                assistance_only: true,
                ..Scope::default()
            })),
            starts_on: Set(starts),
            ends_on: Set(ends),
            status: Set(CampaignStatus::Scheduled),
            issued_count: Set(0),
            created_by: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// A county as a shopper says it: "广西百色田阳区" for 451003 (the province and city without
/// their administrative suffixes), or the code itself when the region is unknown.
async fn place_name(conn: &impl ConnectionTrait, code: Option<&str>) -> anyhow::Result<String> {
    let Some(code) = code else {
        return Ok(String::new());
    };
    let Some(region) = regions::Entity::find_by_id(code.to_owned())
        .one(conn)
        .await?
    else {
        return Ok(code.to_owned());
    };
    let path = crate::regions::service::path_of(conn, &region).await?;
    Ok(short_place(&path))
}

/// Joins a region path, dropping the suffixes of all but its last part.
fn short_place(path: &[String]) -> String {
    let last = path.len().saturating_sub(1);
    path.iter()
        .enumerate()
        .map(|(i, name)| {
            if i == last {
                return name.as_str();
            }
            [
                "壮族自治区",
                "回族自治区",
                "维吾尔自治区",
                "自治区",
                "省",
                "市",
            ]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix).filter(|s| !s.is_empty()))
            .unwrap_or(name.as_str())
        })
        .collect()
}

#[cfg(test)]
mod place_tests {
    use super::short_place;

    #[test]
    fn a_county_reads_as_a_place() {
        let path = ["广西壮族自治区", "百色市", "田阳区"].map(String::from);
        assert_eq!(short_place(&path), "广西百色田阳区");
        let path = ["江西省", "赣州市", "信丰县"].map(String::from);
        assert_eq!(short_place(&path), "江西赣州信丰县");
        assert_eq!(short_place(&[]), "");
    }
}
