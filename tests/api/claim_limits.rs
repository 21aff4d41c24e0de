//! Claims are rate limited per member and per IP: a bot gets 429, never a coupon, whether its
//! claims reach the database or not. With Redis the first claim of a drop is counted on its
//! own and the rest in the gate's round trip (the instance then knows the drop is open); both
//! must count into the same window, which is what these tests would catch.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::commerce::{drop_campaign, members};
use crate::helpers::{Auth, TestApp, TestOptions};

async fn claim(app: &TestApp, campaign: i64, token: &str, ip: &str) -> (StatusCode, String) {
    let r = app
        .call_with(
            Method::POST,
            &format!("/api/campaigns/{campaign}/claim"),
            Some(json!({})),
            &Auth::Bearer(token.to_owned()),
            &[("x-forwarded-for", ip)],
        )
        .await;
    (r.status, r.code().to_owned())
}

async fn limited_app(options: TestOptions) -> TestApp {
    TestApp::spawn_with(TestOptions {
        configure: Box::new(|c| {
            c.trust_proxy = true;
            c.claim_max_per_member = 3;
            c.claim_max_per_ip = 6;
        }),
        ..options
    })
    .await
}

async fn bots_get_429_not_coupons(app: TestApp) {
    let campaign = drop_campaign(&app, 5, 1000, 0).await;
    let people = members(&app, 8).await;
    // One member, one address: a coupon, then the limit, then 429 (3 claims per 10 s).
    let (bot, others) = people.split_first().expect("members");
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(claim(&app, campaign, &bot.1, "198.51.100.1").await);
    }
    assert_eq!(seen[0].0, StatusCode::CREATED, "{seen:?}");
    assert_eq!(
        seen[1],
        (StatusCode::CONFLICT, "coupon_limit_reached".into())
    );
    assert_eq!(
        seen[2],
        (StatusCode::CONFLICT, "coupon_limit_reached".into())
    );
    assert_eq!(
        seen[3],
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into())
    );
    assert_eq!(
        seen[4],
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into())
    );
    // Seven members behind one address (6 claims per 10 s): four take the coupons left, two
    // hear "sold out", the seventh is refused before the gate.
    let mut codes = Vec::new();
    for m in others {
        codes.push(claim(&app, campaign, &m.1, "203.0.113.9").await);
    }
    let created = codes.iter().filter(|c| c.0 == StatusCode::CREATED).count();
    assert_eq!(created, 4, "{codes:?}");
    assert_eq!(
        codes[4..6],
        [
            (StatusCode::CONFLICT, "coupon_sold_out".to_owned()),
            (StatusCode::CONFLICT, "coupon_sold_out".to_owned())
        ]
    );
    assert_eq!(
        codes[6],
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into())
    );
    let issued = app
        .count(&format!("coupons WHERE campaign_id = {campaign}"))
        .await;
    assert_eq!(
        issued, 5,
        "exactly the drop, nothing for the limited claims"
    );
    // Another address is not limited by the first one's window.
    let last = &others[6];
    assert_eq!(
        claim(&app, campaign, &last.1, "192.0.2.7").await,
        (StatusCode::CONFLICT, "coupon_sold_out".to_owned())
    );
}

#[tokio::test]
async fn claim_rate_limits_hold_on_both_paths() {
    bots_get_429_not_coupons(limited_app(TestOptions::default()).await).await;
}

#[tokio::test]
async fn claim_rate_limits_hold_on_sqlite_without_redis() {
    bots_get_429_not_coupons(
        limited_app(TestOptions {
            backend: crate::helpers::Backend::Sqlite,
            redis: None,
            ..TestOptions::default()
        })
        .await,
    )
    .await;
}
