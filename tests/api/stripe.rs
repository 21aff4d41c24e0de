//! The Stripe provider against a wiremock Stripe, and its webhook verification.

use std::collections::HashMap;

use bangfu::money::Money;
use bangfu::payments::provider::{
    CreateIntent, EventKind, IntentStatus, PayMethod, PaymentProvider, ProviderError,
    RefundRequest, RefundStatus, WebhookError,
};
use bangfu::payments::stripe::StripeProvider;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET_KEY: &str = "sk_test_51Bangfu";
const WEBHOOK_SECRET: &str = "whsec_test_bangfu";
const NOW: i64 = 1_780_000_000;

fn provider(server: &MockServer) -> StripeProvider {
    StripeProvider::new(SECRET_KEY, WEBHOOK_SECRET, Some(&server.uri())).expect("valid config")
}

/// A PaymentIntent as Stripe returns it (every field the rc.10 types require).
fn intent_json(id: &str, status: &str, last_payment_error: Value) -> Value {
    json!({
        "id": id,
        "object": "payment_intent",
        "amount": 4000,
        "amount_capturable": 0,
        "amount_received": if status == "succeeded" { 4000 } else { 0 },
        "capture_method": "automatic_async",
        "client_secret": format!("{id}_secret_abc"),
        "confirmation_method": "automatic",
        "created": 1_779_999_000,
        "currency": "cny",
        "description": "帮扶订单 #42",
        "last_payment_error": last_payment_error,
        "livemode": false,
        "metadata": {"payment_id": "42"},
        "payment_method_types": ["card", "alipay", "wechat_pay"],
        "status": status
    })
}

fn refund_json(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "object": "refund",
        "amount": 1500,
        "charge": "ch_1",
        "created": 1_779_999_500,
        "currency": "cny",
        "metadata": {"refund_id": "7"},
        "payment_intent": "pi_1",
        "status": status
    })
}

fn create_req() -> CreateIntent {
    CreateIntent {
        payment_id: 42,
        amount: Money::from_fen(4000),
        methods: vec![PayMethod::Card, PayMethod::Alipay, PayMethod::WechatPay],
        idempotency_key: "payment-42-attempt-1".into(),
        description: "帮扶订单 #42".into(),
    }
}

fn form(body: &[u8]) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        map.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    map
}

fn one<'a>(form: &'a HashMap<String, Vec<String>>, key: &str) -> &'a str {
    match form.get(key).map(Vec::as_slice) {
        Some([v]) => v,
        other => panic!("{key}: {other:?} in {form:?}"),
    }
}

#[tokio::test]
async fn create_intent_sends_the_request_and_maps_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .and(header("idempotency-key", "payment-42-attempt-1"))
        .and(header(
            "authorization",
            format!("Bearer {SECRET_KEY}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(intent_json(
            "pi_123",
            "requires_payment_method",
            Value::Null,
        )))
        .expect(1)
        .mount(&server)
        .await;

    let created = provider(&server)
        .create_intent(create_req())
        .await
        .expect("the call succeeds");
    assert_eq!(created.provider_ref, "pi_123");
    assert_eq!(created.client_secret.as_deref(), Some("pi_123_secret_abc"));
    assert_eq!(created.status, IntentStatus::Pending);

    let requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(
        req.headers.get("content-type").expect("content-type sent"),
        "application/x-www-form-urlencoded"
    );
    let f = form(&req.body);
    assert_eq!(one(&f, "amount"), "4000");
    assert_eq!(one(&f, "currency"), "cny");
    assert_eq!(one(&f, "metadata[payment_id]"), "42");
    assert_eq!(one(&f, "description"), "帮扶订单 #42");
    // API 2026-09-30.endive: `allowed_payment_method_types` replaces `payment_method_types`.
    assert_eq!(one(&f, "allowed_payment_method_types[0]"), "card");
    assert_eq!(one(&f, "allowed_payment_method_types[1]"), "alipay");
    assert_eq!(one(&f, "allowed_payment_method_types[2]"), "wechat_pay");
    assert!(
        !f.keys().any(|k| k.starts_with("payment_method_types")),
        "{f:?}"
    );
    assert_eq!(one(&f, "payment_method_options[wechat_pay][client]"), "web");
}

#[tokio::test]
async fn create_intent_without_wechat_sends_no_wechat_options() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .respond_with(ResponseTemplate::new(200).set_body_json(intent_json(
            "pi_124",
            "requires_payment_method",
            Value::Null,
        )))
        .mount(&server)
        .await;
    let mut req = create_req();
    req.methods = vec![PayMethod::Card, PayMethod::Card];
    provider(&server)
        .create_intent(req)
        .await
        .expect("the call succeeds");
    let requests = server.received_requests().await.expect("recording is on");
    let f = form(&requests[0].body);
    assert_eq!(one(&f, "allowed_payment_method_types[0]"), "card");
    assert!(!f.contains_key("allowed_payment_method_types[1]"), "{f:?}");
    assert!(
        !f.keys().any(|k| k.starts_with("payment_method_options")),
        "{f:?}"
    );
}

#[tokio::test]
async fn create_intent_maps_statuses() {
    let cases = [
        ("succeeded", Value::Null, IntentStatus::Succeeded),
        ("canceled", Value::Null, IntentStatus::Cancelled),
        ("processing", Value::Null, IntentStatus::Pending),
        ("requires_action", Value::Null, IntentStatus::Pending),
        (
            "requires_payment_method",
            Value::Null,
            IntentStatus::Pending,
        ),
        (
            "requires_payment_method",
            json!({"type": "card_error", "code": "card_declined", "message": "Your card was declined."}),
            IntentStatus::Failed,
        ),
        ("some_future_status", Value::Null, IntentStatus::Pending),
    ];
    for (status, error, expected) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/payment_intents"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(intent_json("pi_9", status, error)),
            )
            .mount(&server)
            .await;
        let created = provider(&server)
            .create_intent(create_req())
            .await
            .expect("the call succeeds");
        assert_eq!(created.status, expected, "{status}");
    }
}

#[tokio::test]
async fn card_error_is_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .respond_with(ResponseTemplate::new(402).set_body_json(json!({
            "error": {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds."
            }
        })))
        .mount(&server)
        .await;
    let err = provider(&server)
        .create_intent(create_req())
        .await
        .expect_err("the call should fail");
    match err {
        ProviderError::Rejected(msg) => {
            assert!(msg.contains("Your card has insufficient funds."), "{msg}");
            assert!(msg.contains("card_declined"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn invalid_request_is_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": {
                "type": "invalid_request_error",
                "code": "amount_too_small",
                "param": "amount",
                "message": "Amount must be at least ¥4.00 cny"
            }
        })))
        .mount(&server)
        .await;
    let err = provider(&server)
        .create_intent(create_req())
        .await
        .expect_err("the call should fail");
    assert!(
        matches!(err, ProviderError::Rejected(ref m) if m.contains("amount_too_small")),
        "{err:?}"
    );
}

#[tokio::test]
async fn server_errors_rate_limits_and_network_are_unavailable() {
    let responses = [
        ResponseTemplate::new(500).set_body_json(json!({
            "error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}
        })),
        ResponseTemplate::new(503).set_body_string("<html>Service Unavailable</html>"),
        ResponseTemplate::new(429).set_body_json(json!({
            "error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many requests"}
        })),
        ResponseTemplate::new(409).set_body_json(json!({
            "error": {"type": "idempotency_error", "message": "There is currently another in-progress request using this Idempotent Key"}
        })),
        // A 200 we cannot read: the intent may exist, so retrying with the same key is right.
        ResponseTemplate::new(200).set_body_string("{\"id\": \"pi_1\"}"),
    ];
    for response in responses {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/payment_intents"))
            .respond_with(response)
            .expect(1) // sent once: the caller retries
            .mount(&server)
            .await;
        let err = provider(&server)
            .create_intent(create_req())
            .await
            .expect_err("the call should fail");
        assert!(matches!(err, ProviderError::Unavailable(_)), "{err:?}");
    }

    // Nothing listening (a port just freed; not a wiremock server, which the pool would reuse).
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        format!("http://{}", listener.local_addr().expect("local address"))
    };
    let p = StripeProvider::new(SECRET_KEY, WEBHOOK_SECRET, Some(&dead)).expect("valid config");
    let err = p
        .create_intent(create_req())
        .await
        .expect_err("the call should fail");
    assert!(matches!(err, ProviderError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn bad_requests_are_refused_before_calling_stripe() {
    let server = MockServer::start().await;
    let p = provider(&server);
    let mut req = create_req();
    req.methods.clear();
    assert!(matches!(
        p.create_intent(req).await,
        Err(ProviderError::Rejected(_))
    ));
    let mut req = create_req();
    req.idempotency_key = String::new();
    assert!(matches!(
        p.create_intent(req).await,
        Err(ProviderError::Rejected(_))
    ));
    let mut req = create_req();
    req.amount = Money::from_fen(0);
    assert!(matches!(
        p.create_intent(req).await,
        Err(ProviderError::Rejected(_))
    ));
    assert!(matches!(
        p.intent_status("pi_1/../x").await,
        Err(ProviderError::Rejected(_))
    ));
    assert!(
        server
            .received_requests()
            .await
            .expect("recording is on")
            .is_empty()
    );
}

#[tokio::test]
async fn intent_status_retrieves_and_maps() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/payment_intents/pi_ok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(intent_json(
            "pi_ok",
            "succeeded",
            Value::Null,
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/payment_intents/pi_declined"))
        .respond_with(ResponseTemplate::new(200).set_body_json(intent_json(
            "pi_declined",
            "requires_payment_method",
            json!({"type": "card_error", "code": "card_declined", "message": "Declined"}),
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/payment_intents/pi_gone"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": {"type": "invalid_request_error", "code": "resource_missing", "message": "No such payment_intent: 'pi_gone'"}
        })))
        .mount(&server)
        .await;

    let p = provider(&server);
    assert_eq!(
        p.intent_status("pi_ok").await.expect("the call succeeds"),
        IntentStatus::Succeeded
    );
    assert_eq!(
        p.intent_status("pi_declined")
            .await
            .expect("the call succeeds"),
        IntentStatus::Failed
    );
    assert!(matches!(
        p.intent_status("pi_gone").await,
        Err(ProviderError::Rejected(_))
    ));
    for req in server.received_requests().await.expect("recording is on") {
        assert!(req.headers.get("idempotency-key").is_none());
    }
}

#[tokio::test]
async fn refund_sends_the_request_and_maps_statuses() {
    let cases = [
        ("succeeded", RefundStatus::Succeeded),
        ("pending", RefundStatus::Pending),
        ("requires_action", RefundStatus::Pending),
        ("failed", RefundStatus::Failed),
        ("canceled", RefundStatus::Failed),
    ];
    for (status, expected) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/refunds"))
            .and(header("idempotency-key", "refund-7"))
            .and(body_string_contains("payment_intent=pi_1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(refund_json("re_7", status)))
            .expect(1)
            .mount(&server)
            .await;
        let created = provider(&server)
            .refund(RefundRequest {
                refund_id: 7,
                provider_ref: "pi_1".into(),
                amount: Money::from_fen(1500),
                idempotency_key: "refund-7".into(),
            })
            .await
            .expect("the refund succeeds");
        assert_eq!(created.provider_refund_ref, "re_7");
        assert_eq!(created.status, expected, "{status}");
        let requests = server.received_requests().await.expect("recording is on");
        let f = form(&requests[0].body);
        assert_eq!(one(&f, "payment_intent"), "pi_1");
        assert_eq!(one(&f, "amount"), "1500");
        assert_eq!(one(&f, "metadata[refund_id]"), "7");
    }
}

#[tokio::test]
async fn refund_over_the_amount_is_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": {"type": "invalid_request_error", "code": "amount_too_large", "message": "Refund amount is greater than unrefunded amount"}
        })))
        .mount(&server)
        .await;
    let err = provider(&server)
        .refund(RefundRequest {
            refund_id: 8,
            provider_ref: "pi_1".into(),
            amount: Money::from_fen(999_999),
            idempotency_key: "refund-8".into(),
        })
        .await
        .expect_err("the call should fail");
    assert!(matches!(err, ProviderError::Rejected(_)), "{err:?}");
}

// ---- webhooks ----

fn sign(secret: &str, t: i64, payload: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{t}.{payload}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn header_for(secret: &str, t: i64, payload: &str) -> String {
    format!("t={t},v1={}", sign(secret, t, payload))
}

fn event(ty: &str, object: Value) -> String {
    json!({
        "id": "evt_1",
        "object": "event",
        "api_version": "2026-09-30.endive",
        "created": NOW - 5,
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": ty,
        "data": {"object": object}
    })
    .to_string()
}

fn webhook_provider() -> StripeProvider {
    StripeProvider::new(SECRET_KEY, WEBHOOK_SECRET, None).expect("valid config")
}

fn parse(payload: &str, header: Option<&str>) -> Result<EventKind, WebhookError> {
    webhook_provider()
        .parse_webhook(payload.as_bytes(), header, NOW)
        .map(|e| e.kind)
}

fn succeeded_payload() -> String {
    event(
        "payment_intent.succeeded",
        intent_json("pi_123", "succeeded", Value::Null),
    )
}

#[test]
fn signed_event_parses() {
    let payload = succeeded_payload();
    let sig = header_for(WEBHOOK_SECRET, NOW - 3, &payload);
    let event = webhook_provider()
        .parse_webhook(payload.as_bytes(), Some(&sig), NOW)
        .expect("a signed event parses");
    assert_eq!(event.event_id, "evt_1");
    assert_eq!(event.created, NOW - 5);
    assert_eq!(
        event.kind,
        EventKind::PaymentSucceeded {
            provider_ref: "pi_123".into(),
            amount: Money::from_fen(4000)
        }
    );
}

#[test]
fn wrong_secret_is_a_bad_signature() {
    let payload = succeeded_payload();
    let sig = header_for("whsec_someone_else", NOW, &payload);
    assert_eq!(parse(&payload, Some(&sig)), Err(WebhookError::BadSignature));
}

#[test]
fn tampered_body_is_a_bad_signature() {
    let payload = succeeded_payload();
    let sig = header_for(WEBHOOK_SECRET, NOW, &payload);
    let tampered = payload.replace("4000", "400000");
    assert_ne!(tampered, payload);
    assert_eq!(
        parse(&tampered, Some(&sig)),
        Err(WebhookError::BadSignature)
    );
    // Re-stamping the header with another time breaks the signature too.
    let moved = sig.replacen(&format!("t={NOW}"), &format!("t={}", NOW + 1), 1);
    assert_eq!(
        parse(&payload, Some(&moved)),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn old_or_future_timestamp_is_stale() {
    let payload = succeeded_payload();
    let sig = header_for(WEBHOOK_SECRET, NOW - 600, &payload);
    assert_eq!(
        parse(&payload, Some(&sig)),
        Err(WebhookError::StaleTimestamp)
    );
    let sig = header_for(WEBHOOK_SECRET, NOW + 600, &payload);
    assert_eq!(
        parse(&payload, Some(&sig)),
        Err(WebhookError::StaleTimestamp)
    );
    // The edge of the 300 s tolerance is still accepted.
    let sig = header_for(WEBHOOK_SECRET, NOW - 300, &payload);
    assert!(parse(&payload, Some(&sig)).is_ok());
    let sig = header_for(WEBHOOK_SECRET, NOW - 301, &payload);
    assert_eq!(
        parse(&payload, Some(&sig)),
        Err(WebhookError::StaleTimestamp)
    );
}

#[test]
fn missing_header_is_missing_signature() {
    let payload = succeeded_payload();
    assert_eq!(parse(&payload, None), Err(WebhookError::MissingSignature));
    assert_eq!(
        parse(&payload, Some("")),
        Err(WebhookError::MissingSignature)
    );
}

#[test]
fn malformed_headers_are_bad_signatures() {
    let payload = succeeded_payload();
    let good = sign(WEBHOOK_SECRET, NOW, &payload);
    for header in [
        "garbage".to_owned(),
        format!("v1={good}"),                  // no timestamp
        format!("t={NOW}"),                    // no signature
        format!("t=abc,v1={good}"),            // timestamp not a number
        format!("t={NOW},v1=not-hex"),         // signature not hex
        format!("t={NOW},v0={good}"),          // only the test scheme
        format!("t={NOW},v1={}", &good[..10]), // truncated
    ] {
        assert_eq!(
            parse(&payload, Some(&header)),
            Err(WebhookError::BadSignature),
            "{header}"
        );
    }
}

#[test]
fn any_matching_v1_is_accepted() {
    let payload = succeeded_payload();
    let good = sign(WEBHOOK_SECRET, NOW, &payload);
    let old = sign("whsec_rotated_out", NOW, &payload);
    let header = format!("t={NOW},v1={old},v1={good},v0=deadbeef");
    assert!(parse(&payload, Some(&header)).is_ok());
    let header = format!("t={NOW}, v1={good}, v1={old}");
    assert!(parse(&payload, Some(&header)).is_ok());
    let header = format!("t={NOW},v1={old},v1={old}");
    assert_eq!(
        parse(&payload, Some(&header)),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn signature_made_by_async_stripe_is_accepted() {
    // Cross-check with the library's own signer (Stripe's scheme).
    let payload = succeeded_payload();
    let header = stripe_webhook::Webhook::generate_test_header(&payload, WEBHOOK_SECRET, Some(NOW));
    assert!(parse(&payload, Some(&header)).is_ok());
}

#[test]
fn unreadable_signed_body_is_malformed() {
    for payload in [
        "not json".to_owned(),
        json!({"id": "evt_1", "type": "payment_intent.succeeded"}).to_string(),
        event(
            "payment_intent.succeeded",
            json!({"object": "payment_intent"}),
        ),
        event("payment_intent.succeeded", json!({"id": "pi_1"})), // no amount_received
    ] {
        let sig = header_for(WEBHOOK_SECRET, NOW, &payload);
        assert!(
            matches!(parse(&payload, Some(&sig)), Err(WebhookError::Malformed(_))),
            "{payload}"
        );
    }
}

fn signed_kind(payload: &str) -> EventKind {
    let sig = header_for(WEBHOOK_SECRET, NOW, payload);
    parse(payload, Some(&sig)).expect("a signed event parses")
}

#[test]
fn event_types_map() {
    assert_eq!(
        signed_kind(&event(
            "payment_intent.payment_failed",
            intent_json(
                "pi_2",
                "requires_payment_method",
                json!({"type": "card_error", "code": "card_declined", "message": "Your card was declined."})
            )
        )),
        EventKind::PaymentFailed {
            provider_ref: "pi_2".into(),
            reason: "Your card was declined.".into()
        }
    );
    assert_eq!(
        signed_kind(&event(
            "payment_intent.payment_failed",
            intent_json("pi_2", "requires_payment_method", Value::Null)
        )),
        EventKind::PaymentFailed {
            provider_ref: "pi_2".into(),
            reason: "payment failed".into()
        }
    );
    assert_eq!(
        signed_kind(&event(
            "payment_intent.canceled",
            intent_json("pi_3", "canceled", Value::Null)
        )),
        EventKind::PaymentCancelled {
            provider_ref: "pi_3".into()
        }
    );
    for (ty, status, expected) in [
        (
            "charge.refund.updated",
            "succeeded",
            RefundStatus::Succeeded,
        ),
        ("refund.updated", "failed", RefundStatus::Failed),
        ("refund.updated", "canceled", RefundStatus::Failed),
        ("refund.created", "pending", RefundStatus::Pending),
    ] {
        assert_eq!(
            signed_kind(&event(ty, refund_json("re_9", status))),
            EventKind::RefundUpdated {
                provider_refund_ref: "re_9".into(),
                status: expected
            },
            "{ty} {status}"
        );
    }
    // Anything else, whatever its object looks like.
    assert_eq!(
        signed_kind(&event(
            "charge.succeeded",
            json!({"id": "ch_1", "object": "charge"})
        )),
        EventKind::Other("charge.succeeded".into())
    );
    assert_eq!(
        signed_kind(&event(
            "payment_intent.created",
            intent_json("pi_4", "requires_payment_method", Value::Null)
        )),
        EventKind::Other("payment_intent.created".into())
    );
}

#[test]
fn debug_does_not_print_keys() {
    let dbg = format!("{:?}", webhook_provider());
    assert!(!dbg.contains(SECRET_KEY), "{dbg}");
    assert!(!dbg.contains(WEBHOOK_SECRET), "{dbg}");
    let p = webhook_provider();
    assert_eq!(p.name(), "stripe");
    assert!(!p.is_test());
}

/// The whole flow with Stripe (a wiremock stand-in): checkout creates a PaymentIntent with a
/// deterministic idempotency key; only a verified webhook marks the orders paid, once;
/// duplicates and out-of-order events change nothing; an approved refund goes back through
/// Stripe with its own idempotency key.
#[tokio::test]
async fn stripe_checkout_webhooks_and_refunds() {
    use crate::helpers::{Auth, TestApp, TestOptions};
    use axum::http::StatusCode;

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .respond_with(ResponseTemplate::new(200).set_body_json(intent_json(
            "pi_e2e",
            "requires_payment_method",
            Value::Null,
        )))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(ResponseTemplate::new(200).set_body_json(refund_json("re_e2e", "succeeded")))
        .mount(&server)
        .await;
    let uri = server.uri();
    let app = TestApp::spawn_with(TestOptions {
        configure: Box::new(move |c| {
            c.stripe_secret_key = Some(secrecy::SecretString::from(SECRET_KEY));
            c.stripe_webhook_secret = Some(secrecy::SecretString::from(WEBHOOK_SECRET));
            c.stripe_api_base = Some(uri);
        }),
        ..TestOptions::default()
    })
    .await;
    let m = crate::commerce::members(&app, 1).await;
    let auth = Auth::Bearer(m[0].1.clone());
    let r = crate::commerce::buy(&app, &auth, &[(9, 1)], None)
        .await
        .expect(StatusCode::CREATED);
    let payment = r.body["payment"]["id"].as_i64().expect("payment");
    assert_eq!(r.body["payment"]["test_mode"], false);
    assert_eq!(r.body["payment"]["client_secret"], "pi_e2e_secret_abc");
    let sent = server.received_requests().await.expect("requests");
    let create = sent
        .iter()
        .find(|q| q.url.path() == "/v1/payment_intents")
        .expect("intent created");
    assert_eq!(
        create
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok()),
        Some(format!("bangfu-payment-{payment}-1").as_str())
    );
    // The test page does not exist with a real provider.
    app.post(
        &format!("/api/payments/{payment}/test-complete"),
        json!({}),
        &auth,
    )
    .await
    .expect(axum::http::StatusCode::NOT_FOUND);

    let now = chrono::Utc::now().timestamp();
    let event = |id: &str, kind: &str, status: &str| {
        let mut object = intent_json("pi_e2e", status, Value::Null);
        object["amount_received"] = json!(7900);
        json!({"id": id, "object": "event", "type": kind, "created": now, "livemode": false, "data": {"object": object}}).to_string()
    };
    let post = |body: String, sig: Option<String>| {
        let app = &app;
        async move {
            let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
            if let Some(s) = sig {
                headers.push(("stripe-signature".to_owned(), s));
            }
            let mut req = axum::http::Request::builder()
                .method("POST")
                .uri("/api/payments/webhooks/stripe");
            for (k, v) in headers {
                req = req.header(k, v);
            }
            app.send(req.body(axum::body::Body::from(body)).expect("req"))
                .await
        }
    };
    let ok = event("evt_paid", "payment_intent.succeeded", "succeeded");
    post(ok.clone(), None)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "webhook_signature_invalid");
    post(ok.clone(), Some(header_for("whsec_wrong", now, &ok)))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "webhook_signature_invalid");
    post(ok.clone(), Some(header_for(WEBHOOK_SECRET, now - 900, &ok)))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "webhook_timestamp_stale");
    let tampered = ok.replace("7900", "1");
    post(tampered, Some(header_for(WEBHOOK_SECRET, now, &ok)))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "webhook_signature_invalid");
    assert_eq!(
        app.get(&format!("/api/payments/{payment}"), &auth)
            .await
            .body["status"],
        "pending",
        "nothing applied yet"
    );
    let first = post(ok.clone(), Some(header_for(WEBHOOK_SECRET, now, &ok)))
        .await
        .expect(StatusCode::OK);
    assert_eq!(first.body["outcome"], "applied");
    let again = post(ok.clone(), Some(header_for(WEBHOOK_SECRET, now, &ok)))
        .await
        .expect(StatusCode::OK);
    assert_eq!(again.body["outcome"], "duplicate");
    // A failure event delivered late (out of order) changes nothing.
    let failed = event(
        "evt_failed_late",
        "payment_intent.payment_failed",
        "requires_payment_method",
    );
    post(
        failed.clone(),
        Some(header_for(WEBHOOK_SECRET, now, &failed)),
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(
        app.get(&format!("/api/payments/{payment}"), &auth)
            .await
            .body["status"],
        "succeeded"
    );
    let orders = app
        .get("/api/me/orders", &auth)
        .await
        .expect(StatusCode::OK);
    assert_eq!(orders.body["items"][0]["status"], "paid");
    let events = app.count("payment_events").await;
    assert_eq!(events, 2);

    // A refund goes back through Stripe with its own idempotency key.
    let order = orders.body["items"][0]["id"].as_i64().expect("order");
    let line = orders.body["items"][0]["lines"][0]["id"]
        .as_i64()
        .expect("line");
    let req = app
        .post(
            &format!("/api/orders/{order}/refunds"),
            json!({"lines": [{"line_id": line, "quantity": 1}], "reason": "商品破损"}),
            &auth,
        )
        .await
        .expect(StatusCode::CREATED);
    let supplier = app.login("supplier05").await;
    app.post(
        &format!("/api/refunds/{}/approve", req.body["id"]),
        json!({}),
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    bangfu::worker::Worker::new(app.state.clone())
        .drain()
        .await
        .expect("drain");
    let sent = server.received_requests().await.expect("requests");
    let refund = sent
        .iter()
        .find(|q| q.url.path() == "/v1/refunds")
        .expect("refund sent");
    assert_eq!(
        refund
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok()),
        Some(format!("bangfu-refund-{}", req.body["id"]).as_str())
    );
    assert!(String::from_utf8_lossy(&refund.body).contains("amount=7900"));
    let listed = app
        .get(&format!("/api/orders/{order}/refunds"), &auth)
        .await
        .expect(StatusCode::OK);
    assert_eq!(listed.body["items"][0]["status"], "succeeded");
}
