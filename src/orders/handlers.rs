//! HTTP handlers of the orders context.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::dto::{
    AddressBook, Cart, Checkout, CheckoutRequest, Order, OrderPage, OrderQuery, PayStatement,
    Quote, QuoteRequest, Refund, RefundDecision, RefundList, RefundQuery, RequestRefund,
    SaveAddress, SavedAddress, SetCartItem, Ship, Statement, StatementList,
};
use super::settlement::{self, Step};
use super::{addresses, checkout, lifecycle, refunds, views};
use crate::app::AppState;
use crate::auth::Actor;
use crate::error::{AppError, ErrorBody};
use crate::extract::{AppJson, AppPath, AppQuery};
use crate::idempotency::IdempotentJson;

/// The member's cart at today's prices.
#[utoipa::path(get, path = "/api/me/cart", tag = "orders", responses((status = 200, body = Cart), (status = 403, body = ErrorBody)))]
pub async fn get_cart(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<AppJson<Cart>, AppError> {
    Ok(AppJson(checkout::cart(&state, &actor).await?))
}

/// Sets a SKU's quantity in the cart (0 removes it).
#[utoipa::path(put, path = "/api/me/cart/items/{sku_id}", tag = "orders", request_body = SetCartItem, params(("sku_id" = i64, Path, description = "SKU")),
    responses((status = 200, body = Cart), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_cart_item(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(sku_id): AppPath<i64>,
    AppJson(req): AppJson<SetCartItem>,
) -> Result<AppJson<Cart>, AppError> {
    Ok(AppJson(
        checkout::set_item(&state, &actor, sku_id, req).await?,
    ))
}

/// The member's address book, the default address first.
#[utoipa::path(get, path = "/api/me/addresses", tag = "orders", responses((status = 200, body = AddressBook), (status = 403, body = ErrorBody)))]
pub async fn list_addresses(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<AppJson<AddressBook>, AppError> {
    Ok(AppJson(addresses::list(&state, &actor).await?))
}

/// Saves an address in the member's address book (the first one becomes the default).
#[utoipa::path(post, path = "/api/me/addresses", tag = "orders", request_body = SaveAddress,
    responses((status = 201, body = SavedAddress), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_address(
    State(state): State<AppState>,
    actor: Actor,
    AppJson(req): AppJson<SaveAddress>,
) -> Result<(StatusCode, AppJson<SavedAddress>), AppError> {
    Ok((
        StatusCode::CREATED,
        AppJson(addresses::create(&state, &actor, req).await?),
    ))
}

/// Changes an address of the member's address book; `is_default` moves the default here.
#[utoipa::path(put, path = "/api/me/addresses/{id}", tag = "orders", request_body = SaveAddress, params(("id" = i64, Path, description = "address")),
    responses((status = 200, body = SavedAddress), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_address(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<SaveAddress>,
) -> Result<AppJson<SavedAddress>, AppError> {
    Ok(AppJson(addresses::update(&state, &actor, id, req).await?))
}

/// Deletes an address of the member's address book; answers the book as it is now.
#[utoipa::path(delete, path = "/api/me/addresses/{id}", tag = "orders", params(("id" = i64, Path, description = "address")),
    responses((status = 200, body = AddressBook), (status = 404, body = ErrorBody)))]
pub async fn delete_address(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<AddressBook>, AppError> {
    Ok(AppJson(addresses::delete(&state, &actor, id).await?))
}

/// Prices the cart as checkout would, with a coupon or the suggestion of the best one.
#[utoipa::path(post, path = "/api/checkout/quote", tag = "orders", request_body = QuoteRequest, responses((status = 200, body = Quote), (status = 403, body = ErrorBody)))]
pub async fn quote(
    State(state): State<AppState>,
    actor: Actor,
    AppJson(req): AppJson<QuoteRequest>,
) -> Result<AppJson<Quote>, AppError> {
    Ok(AppJson(
        checkout::quote(&state, &actor, req.coupon_id, req.buy_now).await?,
    ))
}

/// Places one order per supplier under one payment. Send `Idempotency-Key`: a retry gets the
/// same checkout. 409: `price_changed`, `out_of_stock`, `coupon_unavailable`,
/// `coupon_not_applicable`, `checkout_problems`.
#[utoipa::path(post, path = "/api/checkout", tag = "orders", request_body = CheckoutRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    responses((status = 201, body = Checkout), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn place(
    State(state): State<AppState>,
    actor: Actor,
    headers: axum::http::HeaderMap,
    req: IdempotentJson<CheckoutRequest>,
) -> Result<Response, AppError> {
    let key = headers
        .get(crate::idempotency::IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    req.run(&state, &actor, "POST /api/checkout", |body| async {
        let done = checkout::place(&state, &actor, body, key).await?;
        Ok((StatusCode::CREATED, AppJson(done)).into_response())
    })
    .await
}

/// A checkout's payment and orders (its buyer).
#[utoipa::path(get, path = "/api/checkouts/{payment_id}", tag = "orders", params(("payment_id" = i64, Path, description = "payment")),
    responses((status = 200, body = Checkout), (status = 404, body = ErrorBody)))]
pub async fn get_checkout(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Checkout>, AppError> {
    Ok(AppJson(views::checkout(&state, &actor, id).await?))
}

/// The member's orders.
#[utoipa::path(get, path = "/api/me/orders", tag = "orders", params(OrderQuery), responses((status = 200, body = OrderPage), (status = 403, body = ErrorBody)))]
pub async fn my_orders(
    State(state): State<AppState>,
    actor: Actor,
    AppQuery(q): AppQuery<OrderQuery>,
) -> Result<AppJson<OrderPage>, AppError> {
    let (items, next_cursor) = views::mine(&state, &actor, q).await?;
    Ok(AppJson(OrderPage { items, next_cursor }))
}

/// One order (its buyer, its supplier, operators).
#[utoipa::path(get, path = "/api/orders/{id}", tag = "orders", params(("id" = i64, Path, description = "order")), responses((status = 200, body = Order), (status = 404, body = ErrorBody)))]
pub async fn get_order(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Order>, AppError> {
    Ok(AppJson(views::one(&state, &actor, id).await?))
}

/// A supplier's orders.
#[utoipa::path(get, path = "/api/suppliers/{org_id}/orders", tag = "orders", params(("org_id" = i64, Path, description = "supplier"), OrderQuery),
    responses((status = 200, body = OrderPage), (status = 404, body = ErrorBody)))]
pub async fn supplier_orders(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    AppQuery(q): AppQuery<OrderQuery>,
) -> Result<AppJson<OrderPage>, AppError> {
    let (items, next_cursor) = views::for_supplier(&state, &actor, org_id, q).await?;
    Ok(AppJson(OrderPage { items, next_cursor }))
}

/// A supplier's orders with the list's filters as an XLSX file (phones masked).
#[utoipa::path(get, path = "/api/suppliers/{org_id}/orders.xlsx", tag = "orders", params(("org_id" = i64, Path, description = "supplier"), OrderQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export_supplier_orders(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    AppQuery(q): AppQuery<OrderQuery>,
) -> Result<Response, AppError> {
    let bytes = views::supplier_export(&state, &actor, org_id, q).await?;
    Ok(crate::export::response("orders.xlsx", bytes))
}

/// The supplier ships an order.
#[utoipa::path(post, path = "/api/orders/{id}/ship", tag = "orders", request_body = Ship, params(("id" = i64, Path, description = "order")),
    responses((status = 204, description = "Done; no content"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ship(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<Ship>,
) -> Result<StatusCode, AppError> {
    lifecycle::ship(&state, &actor, id, req.carrier, req.tracking_no).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The member confirms receipt.
#[utoipa::path(post, path = "/api/orders/{id}/receive", tag = "orders", params(("id" = i64, Path, description = "order")),
    responses((status = 204, description = "Done; no content"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<StatusCode, AppError> {
    lifecycle::receive(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Refunds of an order.
#[utoipa::path(get, path = "/api/orders/{id}/refunds", tag = "orders", params(("id" = i64, Path, description = "order")),
    responses((status = 200, body = RefundList), (status = 404, body = ErrorBody)))]
pub async fn order_refunds(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<RefundList>, AppError> {
    Ok(AppJson(RefundList {
        items: refunds::of_order(&state, &actor, id).await?,
    }))
}

/// The member asks for a refund.
#[utoipa::path(post, path = "/api/orders/{id}/refunds", tag = "orders", request_body = RequestRefund, params(("id" = i64, Path, description = "order")),
    responses((status = 201, body = Refund), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_refund(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<RequestRefund>,
) -> Result<(StatusCode, AppJson<Refund>), AppError> {
    Ok((
        StatusCode::CREATED,
        AppJson(refunds::request(&state, &actor, id, req).await?),
    ))
}

/// A supplier's refund requests (default `status=requested`).
#[utoipa::path(get, path = "/api/suppliers/{org_id}/refunds", tag = "orders", params(("org_id" = i64, Path, description = "supplier"), RefundQuery),
    responses((status = 200, body = RefundList), (status = 404, body = ErrorBody)))]
pub async fn supplier_refunds(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    AppQuery(q): AppQuery<RefundQuery>,
) -> Result<AppJson<RefundList>, AppError> {
    Ok(AppJson(RefundList {
        items: refunds::for_supplier(&state, &actor, org_id, q).await?,
    }))
}

/// A supplier's refunds with the list's filter as an XLSX file.
#[utoipa::path(get, path = "/api/suppliers/{org_id}/refunds.xlsx", tag = "orders", params(("org_id" = i64, Path, description = "supplier"), RefundQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = ErrorBody)))]
pub async fn export_supplier_refunds(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    AppQuery(q): AppQuery<RefundQuery>,
) -> Result<Response, AppError> {
    let bytes = refunds::supplier_export(&state, &actor, org_id, q).await?;
    Ok(crate::export::response("refunds.xlsx", bytes))
}

/// The supplier approves a refund (`restock` puts shipped goods back in stock).
#[utoipa::path(post, path = "/api/refunds/{id}/approve", tag = "orders", request_body = RefundDecision,
    params(("id" = i64, Path, description = "refund")),
    responses((status = 200, body = Refund), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn approve_refund(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(d): AppJson<RefundDecision>,
) -> Result<AppJson<Refund>, AppError> {
    Ok(AppJson(
        refunds::approve(&state, &actor, id, d.restock).await?,
    ))
}

/// The supplier rejects a refund (reason required).
#[utoipa::path(post, path = "/api/refunds/{id}/reject", tag = "orders", request_body = RefundDecision,
    params(("id" = i64, Path, description = "refund")),
    responses((status = 200, body = Refund), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject_refund(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(d): AppJson<RefundDecision>,
) -> Result<AppJson<Refund>, AppError> {
    Ok(AppJson(
        refunds::reject(&state, &actor, id, d.reason).await?,
    ))
}

/// Settlement statements of a campaign.
#[utoipa::path(get, path = "/api/campaigns/{id}/settlements", tag = "orders", params(("id" = i64, Path, description = "campaign")),
    responses((status = 200, body = StatementList), (status = 404, body = ErrorBody)))]
pub async fn list_statements(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<StatementList>, AppError> {
    Ok(AppJson(StatementList {
        items: settlement::list(&state, &actor, id).await?,
    }))
}

/// Computes (or recomputes) a campaign's draft statements.
#[utoipa::path(post, path = "/api/campaigns/{id}/settlements", tag = "orders", params(("id" = i64, Path, description = "campaign")),
    responses((status = 200, body = StatementList), (status = 404, body = ErrorBody)))]
pub async fn generate_statements(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<StatementList>, AppError> {
    Ok(AppJson(StatementList {
        items: settlement::generate(&state, &actor, id).await?,
    }))
}

/// A campaign's statements as an XLSX file.
#[utoipa::path(get, path = "/api/campaigns/{id}/settlements.xlsx", tag = "orders", params(("id" = i64, Path, description = "campaign")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = ErrorBody)))]
pub async fn export_statements(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<Response, AppError> {
    let bytes = settlement::export(&state, &actor, id).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"settlement-{id}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A supplier's statements.
#[utoipa::path(get, path = "/api/suppliers/{org_id}/settlements", tag = "orders", params(("org_id" = i64, Path, description = "supplier")),
    responses((status = 200, body = StatementList), (status = 404, body = ErrorBody)))]
pub async fn supplier_statements(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
) -> Result<AppJson<StatementList>, AppError> {
    Ok(AppJson(StatementList {
        items: settlement::for_supplier(&state, &actor, org_id).await?,
    }))
}

/// The body of a statement step: a voucher for `pay`, nothing otherwise.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StepBody {
    bank_voucher_ref: Option<String>,
}

/// Operators review a draft statement. No body (an empty one, `{}` or `null`).
#[utoipa::path(post, path = "/api/settlements/{id}/review", tag = "orders", request_body(content = Option<Object>, description = "empty, `{}` or `null`"),
    params(("id" = i64, Path, description = "statement")),
    responses((status = 200, body = Statement), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review_statement(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    body: axum::body::Bytes,
) -> Result<AppJson<Statement>, AppError> {
    step(&state, &actor, id, Step::Review, &body).await
}

/// The union approves a reviewed statement. No body (an empty one, `{}` or `null`).
#[utoipa::path(post, path = "/api/settlements/{id}/approve", tag = "orders", request_body(content = Option<Object>, description = "empty, `{}` or `null`"),
    params(("id" = i64, Path, description = "statement")),
    responses((status = 200, body = Statement), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn approve_statement(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    body: axum::body::Bytes,
) -> Result<AppJson<Statement>, AppError> {
    step(&state, &actor, id, Step::Approve, &body).await
}

/// The union pays an approved statement, with the bank voucher.
#[utoipa::path(post, path = "/api/settlements/{id}/pay", tag = "orders", request_body = PayStatement,
    params(("id" = i64, Path, description = "statement")),
    responses((status = 200, body = Statement), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn pay_statement(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    body: axum::body::Bytes,
) -> Result<AppJson<Statement>, AppError> {
    step(&state, &actor, id, Step::Pay, &body).await
}

/// Moves a statement on. Review and approval carry nothing, and pay without a voucher is
/// refused by the service (422), so every step accepts an empty body, `{}` or `null`.
async fn step(
    state: &AppState,
    actor: &Actor,
    id: i64,
    step: Step,
    body: &[u8],
) -> Result<AppJson<Statement>, AppError> {
    let voucher = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        crate::extract::json_from_bytes::<Option<StepBody>>(body)?.and_then(|b| b.bank_voucher_ref)
    };
    Ok(AppJson(
        settlement::step(state, actor, id, step, voucher).await?,
    ))
}

/// Cancels an unpaid checkout: stock and coupon are released.
#[utoipa::path(post, path = "/api/payments/{id}/cancel", tag = "payments", params(("id" = i64, Path, description = "payment")),
    responses((status = 204, description = "Done; no content"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_payment(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<StatusCode, AppError> {
    lifecycle::cancel(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
