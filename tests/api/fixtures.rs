//! Builders for catalog fixtures: images, products, suppliers.

use std::io::Cursor;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp};

/// A small PNG in memory (a gradient, so that every seed gives other bytes).
pub fn png(w: u32, h: u32, seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, seed])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

/// A JPEG in memory.
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, 80, (y % 256) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img)
        .expect("jpeg");
    out
}

/// Uploads an image as the session and returns its hash.
pub async fn upload(app: &TestApp, s: &Session, bytes: &[u8]) -> String {
    let r = app
        .multipart(
            "/api/media/images",
            &[],
            Some(("file", "photo.png", bytes)),
            &s.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    r.body["hash"].as_str().expect("hash").to_owned()
}

/// The id of the category with this slug.
pub async fn category(app: &TestApp, slug: &str) -> i64 {
    let tree = app
        .get("/api/categories", &crate::helpers::Auth::None)
        .await
        .expect(StatusCode::OK);
    for root in tree.body["items"].as_array().expect("items") {
        for c in root["children"].as_array().expect("children") {
            if c["slug"] == slug {
                return c["id"].as_i64().expect("id");
            }
        }
    }
    panic!("no category {slug}");
}

/// A product input with one SKU (and tiers) and the given images.
pub fn product_input(category_id: i64, name: &str, price_fen: i64, images: &[String]) -> Value {
    json!({
        "category_id": category_id,
        "name": name,
        "subtitle": "测试卖点",
        "description_html": "<p>香甜可口</p><script>alert('x')</script><img src=\"javascript:alert(1)\" onerror=\"alert(2)\">",
        "storage": "ambient",
        "shelf_life_days": 30,
        "trace_base": "测试基地",
        "trace_batch": "B-001",
        "trace_harvest_date": "2026-11-01",
        "skus": [{"spec": "5kg/箱", "price_fen": price_fen, "unit": "箱", "weight_grams": 5000, "stock": 100, "tiers": [{"min_qty": 20, "price_fen": price_fen - 500}]}],
        "images": images,
    })
}

/// Creates, submits and (as the operator) approves a product; returns its id.
pub async fn listed_product(
    app: &TestApp,
    supplier: &Session,
    operator: &Session,
    name: &str,
    price_fen: i64,
) -> i64 {
    let hash = upload(app, supplier, &png(64, 48, (price_fen % 251) as u8)).await;
    listed_product_with(app, supplier, operator, name, price_fen, hash).await
}

/// [`listed_product`] with a photo already uploaded (its hash).
pub async fn listed_product_with(
    app: &TestApp,
    supplier: &Session,
    operator: &Session,
    name: &str,
    price_fen: i64,
    hash: String,
) -> i64 {
    let cat = category(app, "tropical").await;
    listed_product_from(
        app,
        supplier,
        operator,
        product_input(cat, name, price_fen, &[hash]),
    )
    .await
}

/// Creates a product from `input`, submits it and (as the operator) approves it; returns its id.
pub async fn listed_product_from(
    app: &TestApp,
    supplier: &Session,
    operator: &Session,
    input: Value,
) -> i64 {
    let org = supplier.org_with("supplier_admin");
    let created = app
        .post(
            &format!("/api/suppliers/{org}/products"),
            input,
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = created.body["id"].as_i64().expect("id");
    app.post(
        &format!("/api/manage/products/{id}/submit"),
        json!({}),
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/api/review/products/{id}/approve"),
        json!({}),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    id
}
