//! Search over the demo catalogue: Chinese, pinyin and initials; filters and facets; sorts;
//! pagination that returns every product exactly once.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::Value;

use crate::helpers::{Auth, TestApp};

fn names(r: &Value) -> Vec<String> {
    r["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["name"].as_str().map(str::to_owned))
        .collect()
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn chinese_pinyin_and_initials() {
    let app = TestApp::spawn().await;
    let search = |q: &str| {
        let path = format!("/api/products?q={}", enc(q));
        let app = &app;
        async move { app.get(&path, &Auth::None).await.expect(StatusCode::OK) }
    };
    let r = search("百色芒果").await;
    assert_eq!(
        names(&r.body)[0],
        "百色芒果（田阳香芒）",
        "best match first: {:?}",
        names(&r.body)
    );
    for q in ["mangguo", "mg", "MangGuo", "芒果"] {
        let r = search(q).await;
        assert!(
            names(&r.body).contains(&"百色芒果（田阳香芒）".to_owned()),
            "{q}: {:?}",
            names(&r.body)
        );
    }
    let r = search("脐橙").await;
    let n = names(&r.body);
    assert!(
        n.contains(&"赣南脐橙".to_owned()) && n.contains(&"德保脐橙".to_owned()),
        "{n:?}"
    );
    let r = search("橙").await;
    assert!(
        names(&r.body).contains(&"德保脐橙".to_owned()),
        "a single character finds words containing it: {:?}",
        names(&r.body)
    );
    // pinyin finds what the Chinese finds (脐橙 also in a producer's name)
    let by_chinese = search("脐橙").await;
    let r = search("qicheng").await;
    assert_eq!(
        r.body["total"],
        by_chinese.body["total"],
        "{:?}",
        names(&r.body)
    );
    let r = search("赣州").await;
    assert!(
        names(&r.body).iter().any(|n| n.contains("赣南脐橙")),
        "place names match: {:?}",
        names(&r.body)
    );
    let r = search("不存在的商品名").await;
    assert_eq!(r.body["total"], 0);
    let r = search("<script>\"' OR 1=1 --").await;
    assert_eq!(r.status, StatusCode::OK);
    app.get(&format!("/api/products?q={}", "x".repeat(200)), &Auth::None)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "invalid_query");
}

/// A pinyin query finds what the same query in Chinese finds: 芒果 in a longer word (芒果干),
/// in the subtitle or the description, not only a whole word of the name.
#[tokio::test]
async fn pinyin_finds_what_chinese_finds() {
    let app = TestApp::spawn().await;
    let all = |q: String| {
        let app = &app;
        async move {
            let path = format!("/api/products?q={}&limit=100", enc(&q));
            let r = app.get(&path, &Auth::None).await.expect(StatusCode::OK);
            names(&r.body).into_iter().collect::<BTreeSet<String>>()
        }
    };
    for (pinyin, chinese) in [("mangguo", "芒果"), ("qicheng", "脐橙"), ("cha", "茶")] {
        let by_chinese = all(chinese.to_owned()).await;
        let by_pinyin = all(pinyin.to_owned()).await;
        assert!(!by_chinese.is_empty(), "{chinese} finds something");
        assert!(
            by_chinese.is_subset(&by_pinyin),
            "{pinyin} misses {:?} that {chinese} finds",
            by_chinese.difference(&by_pinyin).collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn filters_and_facet_counts_agree() {
    let app = TestApp::spawn().await;
    let all = app
        .get("/api/products?limit=100", &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(all.body["total"], 22);
    let provinces = all.body["facets"]["regions"].as_array().expect("regions");
    let sum: u64 = provinces
        .iter()
        .map(|f| f["count"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(sum, 22, "every product is in one province");
    for f in provinces {
        let r = app
            .get(
                &format!(
                    "/api/products?region={}&limit=100",
                    f["value"].as_str().expect("v")
                ),
                &Auth::None,
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["total"], f["count"], "{}", f["label"]);
        assert_eq!(
            r.body["items"].as_array().map(|v| v.len() as u64),
            f["count"].as_u64()
        );
    }
    // Choosing a province lists its cities.
    let gx = app
        .get("/api/products?region=450000", &Auth::None)
        .await
        .expect(StatusCode::OK);
    let cities: BTreeSet<&str> = gx.body["facets"]["regions"]
        .as_array()
        .expect("r")
        .iter()
        .filter_map(|f| f["label"].as_str())
        .collect();
    assert!(
        cities.contains("百色市") && cities.contains("南宁市"),
        "{cities:?}"
    );
    for f in all.body["facets"]["categories"].as_array().expect("cats") {
        let r = app
            .get(
                &format!(
                    "/api/products?category={}&limit=100",
                    f["value"].as_str().expect("v")
                ),
                &Auth::None,
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["total"], f["count"], "{}", f["label"]);
    }
    let zp = app
        .get("/api/products?cert=zhenpin&limit=100", &Auth::None)
        .await
        .expect(StatusCode::OK);
    let zone = app
        .get("/api/products?zone=zhenpin&limit=100", &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(zp.body["total"], zone.body["total"]);
    assert!(zp.body["items"].as_array().expect("i").iter().all(|i| {
        i["cert_kinds"]
            .as_array()
            .is_some_and(|k| k.contains(&Value::from("zhenpin")))
    }));
    let old = app
        .get(
            "/api/products?programme=old_revolutionary&limit=100",
            &Auth::None,
        )
        .await
        .expect(StatusCode::OK);
    assert!(
        old.body["total"].as_u64().unwrap_or(0) >= 6,
        "赣州, 百色, 汕尾: {}",
        old.text
    );
    let cheap = app
        .get("/api/products?max_price=4000&limit=100", &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert!(
        cheap.body["items"]
            .as_array()
            .expect("i")
            .iter()
            .all(|i| i["price_min_fen"].as_i64().unwrap_or(0) <= 4000)
    );
    let band = app
        .get(
            "/api/products?min_price=5000&max_price=9000&sort=price_asc&limit=100",
            &Auth::None,
        )
        .await
        .expect(StatusCode::OK);
    let prices: Vec<i64> = band.body["items"]
        .as_array()
        .expect("i")
        .iter()
        .filter_map(|i| i["price_min_fen"].as_i64())
        .collect();
    assert!(
        !prices.is_empty()
            && prices.windows(2).all(|w| w[0] <= w[1])
            && prices.iter().all(|p| (5000..=9000).contains(p)),
        "{prices:?}"
    );
    let none = app
        .get("/api/products?zone=no-such-zone", &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(none.body["total"], 0);
    app.get("/api/products?sort=cheapest", &Auth::None)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "invalid_query");
    app.get("/api/products?cursor=garbage", &Auth::None)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "invalid_cursor");
}

#[tokio::test]
async fn pagination_returns_every_product_exactly_once_in_every_order() {
    let app = TestApp::spawn().await;
    for sort in ["sales", "price_asc", "price_desc", "newest", "relevance"] {
        let mut seen = BTreeSet::new();
        let mut order = Vec::new();
        let mut cursor: Option<String> = None;
        let q = if sort == "relevance" {
            "&q=%E5%B9%BF%E8%A5%BF"
        } else {
            ""
        }; // 广西
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/products?sort={sort}&limit=4{q}&cursor={c}"),
                None => format!("/api/products?sort={sort}&limit=4{q}"),
            };
            let r = app.get(&path, &Auth::None).await.expect(StatusCode::OK);
            for item in r.body["items"].as_array().expect("items") {
                let id = item["id"].as_i64().expect("id");
                assert!(seen.insert(id), "{sort}: {id} twice");
                order.push(item.clone());
            }
            match r.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let expected = app
            .get(
                &format!("/api/products?sort={sort}&limit=100{q}"),
                &Auth::None,
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            seen.len() as u64,
            expected.body["total"].as_u64().expect("total"),
            "{sort}"
        );
        if sort == "price_asc" {
            let prices: Vec<i64> = order
                .iter()
                .filter_map(|i| i["price_min_fen"].as_i64())
                .collect();
            assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
        }
        if sort == "sales" {
            let sales: Vec<i64> = order
                .iter()
                .filter_map(|i| i["sales_count"].as_i64())
                .collect();
            assert!(sales.windows(2).all(|w| w[0] >= w[1]), "{sales:?}");
        }
    }
}

#[tokio::test]
async fn zones_qr_and_trace() {
    let app = TestApp::spawn().await;
    let zones = app
        .get("/api/zones", &Auth::None)
        .await
        .expect(StatusCode::OK);
    let slugs: Vec<&str> = zones.body["items"]
        .as_array()
        .expect("z")
        .iter()
        .filter_map(|z| z["slug"].as_str())
        .collect();
    assert_eq!(
        slugs[..5],
        ["guangxi", "baise", "ganzhou", "shaoguan", "zhenpin"]
    );
    let baise = app
        .get("/api/products?zone=baise&limit=100", &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert!(
        baise.body["items"]
            .as_array()
            .expect("i")
            .iter()
            .all(|i| i["origin"]["path"][1] == "百色市"),
        "{}",
        baise.text
    );
    let op = app.login("operator").await;
    app.post("/api/zones", serde_json::json!({"slug": "ganzhou", "name": "重复", "name_en": "dup", "rule_kind": "region", "rule_value": "360700", "position": 9, "active": true}), &op.bearer())
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post("/api/zones", serde_json::json!({"slug": "hechi", "name": "河池专区", "name_en": "Hechi", "rule_kind": "region", "rule_value": "999999", "position": 9, "active": true}), &op.bearer())
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.body["error"]["details"]["fields"]["rule_value"][0]["code"],
        "invalid_rule_value"
    );
    let z = app
        .post("/api/zones", serde_json::json!({"slug": "hechi", "name": "河池专区", "name_en": "Hechi", "rule_kind": "region", "rule_value": "451200", "position": 9, "active": true}), &op.bearer())
        .await
        .expect(StatusCode::CREATED);
    let hechi = app
        .get("/api/products?zone=hechi", &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(hechi.body["total"], 2, "环江 products");
    let member = app.login("member").await;
    app.put(&format!("/api/zones/{}", z.body["id"]), serde_json::json!({"slug": "hechi", "name": "河池", "name_en": "Hechi", "rule_kind": "region", "rule_value": "451200", "position": 9, "active": false}), &member.bearer())
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let svg = app.get("/api/products/9/qr.svg", &Auth::None).await;
    assert_eq!(svg.status, StatusCode::OK);
    assert!(
        svg.text.starts_with("<?xml") && svg.text.contains("<svg"),
        "{}",
        &svg.text[..80.min(svg.text.len())]
    );
    let png = {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let resp = app
            .router
            .clone()
            .oneshot(
                axum::http::Request::get("/api/products/9/qr.png")
                    .body(axum::body::Body::empty())
                    .expect("req"),
            )
            .await
            .expect("resp");
        assert_eq!(
            resp.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("image/png")
        );
        resp.into_body().collect().await.expect("body").to_bytes()
    };
    let img = image::load_from_memory(&png).expect("png decodes");
    assert!(img.width() >= 320);
    app.get("/api/products/9/qr.gif", &Auth::None)
        .await
        .expect(StatusCode::NOT_FOUND);
    let trace = app
        .get("/api/products/9/trace", &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert!(trace.body["trace"]["batch"].is_string());
    app.get("/api/products/999999/trace", &Auth::None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
}
