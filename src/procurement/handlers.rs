//! HTTP handlers of the procurement context: thin, each checks nothing itself but the shape
//! of its input (the services check who is asking and what they own).

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::dto::{
    Accept, ApprovalDecision, AwardQuote, BulkOrder, BulkOrderQuery, Confirm, DryRun, Evaluation,
    Filing, FilingQuery, NewDelivery, NewInvoice, NewQuote, NewRfq, OrderForm, OrderList, Placed,
    Reason, Receipt, Rfq, RfqQuery, SaveList, SavedList, SheetChecked, SubmitFiling,
    SupplierChoice, UnitSettings, UpdateUnit,
};
use super::{flow, lists, orders, rfq, units};
use crate::app::AppState;
use crate::auth::Actor;
use crate::error::{AppError, ErrorBody, ErrorCode, FieldCode, FieldErrors};
use crate::extract::{AppJson, AppPath, AppQuery};

/// A budget unit's procurement settings and approval rules.
#[utoipa::path(get, path = "/api/procurement/units/{id}", tag = "procurement",
    params(("id" = i64, Path, description = "organisation id")),
    responses((status = 200, body = UnitSettings), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_unit(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<UnitSettings>, AppError> {
    Ok(AppJson(units::settings(&state.db, &actor, id).await?))
}

/// Changes a unit's settings and replaces its approval rules (its admin, operators).
#[utoipa::path(put, path = "/api/procurement/units/{id}", tag = "procurement", request_body = UpdateUnit,
    params(("id" = i64, Path, description = "organisation id")),
    responses((status = 200, body = UnitSettings), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_unit(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<UpdateUnit>,
) -> Result<AppJson<UnitSettings>, AppError> {
    Ok(AppJson(units::update(&state.db, &actor, id, req).await?))
}

/// The unit's filings, newest first.
#[utoipa::path(get, path = "/api/procurement/units/{id}/filings", tag = "procurement",
    params(("id" = i64, Path, description = "organisation id"), FilingQuery),
    responses((status = 200, body = Vec<Filing>), (status = 404, body = ErrorBody)))]
pub async fn list_filings(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppQuery(q): AppQuery<FilingQuery>,
) -> Result<AppJson<Vec<Filing>>, AppError> {
    Ok(AppJson(
        units::unit_filings(&state.db, &actor, id, q).await?,
    ))
}

/// Submits a new version of the unit's annual filing (预留份额).
#[utoipa::path(post, path = "/api/procurement/units/{id}/filings", tag = "procurement", request_body = SubmitFiling,
    params(("id" = i64, Path, description = "organisation id")),
    responses((status = 201, body = Filing), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit_filing(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<SubmitFiling>,
) -> Result<Response, AppError> {
    let f = units::submit_filing(&state.db, &actor, id, req).await?;
    Ok((StatusCode::CREATED, AppJson(f)).into_response())
}

/// Filings of the units a supervising department supervises.
#[utoipa::path(get, path = "/api/procurement/supervisors/{id}/filings", tag = "procurement",
    params(("id" = i64, Path, description = "supervising organisation id"), FilingQuery),
    responses((status = 200, body = Vec<Filing>), (status = 404, body = ErrorBody)))]
pub async fn supervised_filings(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppQuery(q): AppQuery<FilingQuery>,
) -> Result<AppJson<Vec<Filing>>, AppError> {
    Ok(AppJson(
        units::supervised_filings(&state.db, &actor, id, q).await?,
    ))
}

/// Approves a submitted filing (the supervising department).
#[utoipa::path(post, path = "/api/procurement/filings/{id}/approve", tag = "procurement",
    params(("id" = i64, Path, description = "filing id")),
    responses((status = 200, body = Filing), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve_filing(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Filing>, AppError> {
    Ok(AppJson(
        units::decide_filing(&state.db, &actor, id, true, None).await?,
    ))
}

/// Sends a submitted filing back with a reason (the supervising department).
#[utoipa::path(post, path = "/api/procurement/filings/{id}/return", tag = "procurement", request_body = Reason,
    params(("id" = i64, Path, description = "filing id")),
    responses((status = 200, body = Filing), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn return_filing(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<Reason>,
) -> Result<AppJson<Filing>, AppError> {
    Ok(AppJson(
        units::decide_filing(&state.db, &actor, id, false, Some(req.reason)).await?,
    ))
}

/// Checks an order form without writing anything (every line: match, price, stock, problems
/// with suggestions).
#[utoipa::path(post, path = "/api/procurement/orders/dry-run", tag = "procurement", request_body = OrderForm,
    responses((status = 200, body = DryRun), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dry_run(
    State(state): State<AppState>,
    actor: Actor,
    AppJson(form): AppJson<OrderForm>,
) -> Result<AppJson<DryRun>, AppError> {
    Ok(AppJson(
        orders::dry_run(&state.db, &state.catalog.search, &actor, &form).await?,
    ))
}

/// Reads an uploaded order sheet (XLSX or UTF-8 CSV: product code or name, spec, quantity,
/// wanted date) and checks it like a typed form; nothing is written. Fields `file` and
/// `buyer_org_id`.
#[utoipa::path(post, path = "/api/procurement/orders/upload", tag = "procurement",
    request_body(content_type = "multipart/form-data", description = "fields `file` and `buyer_org_id`"),
    responses((status = 200, body = SheetChecked), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_sheet(
    State(state): State<AppState>,
    actor: Actor,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<AppJson<SheetChecked>, AppError> {
    let multipart = multipart.map_err(|e| {
        AppError::new(
            ErrorCode::InvalidMultipart,
            format!("请以 multipart/form-data 上传 / {}", e.body_text()),
        )
    })?;
    let (bytes, filename, fields) = crate::media::handlers_read_file(multipart, "file").await?;
    let buyer_org_id = fields
        .iter()
        .find(|(k, _)| k == "buyer_org_id")
        .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        .ok_or_else(|| {
            FieldErrors::single(
                "buyer_org_id",
                FieldCode::Required,
                "请指定采购单位 / buyer_org_id is required",
            )
        })?;
    let lines = super::sheet::read(
        &bytes,
        filename.as_deref().unwrap_or_default(),
        orders::MAX_LINES,
    )?;
    Ok(AppJson(
        orders::dry_run_sheet(
            &state.db,
            &state.catalog.search,
            &actor,
            buyer_org_id,
            lines,
        )
        .await?,
    ))
}

/// Places an order form: every line or none; one order per supplier. Idempotent per
/// `submission_key`.
#[utoipa::path(post, path = "/api/procurement/orders", tag = "procurement", request_body = OrderForm,
    responses((status = 201, body = Placed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn place_bulk_order(
    State(state): State<AppState>,
    actor: Actor,
    AppJson(form): AppJson<OrderForm>,
) -> Result<Response, AppError> {
    let placed = orders::commit(&state.db, &state.catalog.search, &actor, form).await?;
    Ok((StatusCode::CREATED, AppJson(placed)).into_response())
}

/// Orders the actor may see, newest first.
#[utoipa::path(get, path = "/api/procurement/orders", tag = "procurement", params(BulkOrderQuery),
    responses((status = 200, body = OrderList), (status = 401, body = ErrorBody)))]
pub async fn list_bulk_orders(
    State(state): State<AppState>,
    actor: Actor,
    AppQuery(q): AppQuery<BulkOrderQuery>,
) -> Result<AppJson<OrderList>, AppError> {
    Ok(AppJson(OrderList {
        items: orders::list(&state.db, &actor, q).await?,
    }))
}

/// One order: lines, approval chain, deliveries, invoices, evaluation.
#[utoipa::path(get, path = "/api/procurement/orders/{id}", tag = "procurement",
    params(("id" = i64, Path, description = "order id")),
    responses((status = 200, body = BulkOrder), (status = 404, body = ErrorBody)))]
pub async fn get_bulk_order(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<BulkOrder>, AppError> {
    Ok(AppJson(orders::get(&state.db, &actor, id).await?))
}

macro_rules! order_action {
    ($(#[$doc:meta])* $name:ident, $path:literal, $body:ty, $call:expr) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "procurement", request_body = $body,
            params(("id" = i64, Path, description = "id")),
            responses((status = 200, body = BulkOrder), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
        pub async fn $name(
            State(state): State<AppState>,
            actor: Actor,
            AppPath(id): AppPath<i64>,
            AppJson(req): AppJson<$body>,
        ) -> Result<AppJson<BulkOrder>, AppError> {
            let call = $call;
            Ok(AppJson(call(&state.db, &actor, id, req).await?))
        }
    };
}

order_action!(
    /// Approves the step the order waits at.
    approve_order, "/api/procurement/orders/{id}/approve", ApprovalDecision,
    |db, actor, id, req| flow::decide(db, actor, id, true, req)
);
order_action!(
    /// Rejects the order at its step (a reason is required); frees its stock.
    reject_order, "/api/procurement/orders/{id}/reject", ApprovalDecision,
    |db, actor, id, req| flow::decide(db, actor, id, false, req)
);
order_action!(
    /// The supplier confirms each line (0 declines it).
    confirm_order, "/api/procurement/orders/{id}/confirm", Confirm, flow::confirm
);
order_action!(
    /// The supplier records a delivery with its quantities per line.
    deliver_order, "/api/procurement/orders/{id}/deliveries", NewDelivery, flow::deliver
);
order_action!(
    /// The buyer accepts a delivery (验货): accepted and rejected quantities per line.
    accept_delivery, "/api/procurement/deliveries/{id}/acceptance", Accept, flow::accept
);
order_action!(
    /// The supplier uploads an invoice (数电票 XML or typed); it is checked at once.
    upload_invoice, "/api/procurement/orders/{id}/invoices", NewInvoice, flow::upload_invoice
);
order_action!(
    /// The supplier records receipt of the transfer.
    record_payment, "/api/procurement/orders/{id}/payment", Receipt, flow::record_payment
);
order_action!(
    /// The buyer evaluates a paid order; it is then complete.
    evaluate_order, "/api/procurement/orders/{id}/evaluation", Evaluation, flow::evaluate
);

/// The buyer withdraws an order not yet confirmed; its stock is freed.
#[utoipa::path(post, path = "/api/procurement/orders/{id}/withdraw", tag = "procurement",
    params(("id" = i64, Path, description = "order id")),
    responses((status = 200, body = BulkOrder), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw_order(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<BulkOrder>, AppError> {
    Ok(AppJson(flow::withdraw(&state.db, &actor, id).await?))
}

/// The organisation's saved lists (常购清单).
#[utoipa::path(get, path = "/api/procurement/units/{id}/lists", tag = "procurement",
    params(("id" = i64, Path, description = "organisation id")),
    responses((status = 200, body = Vec<SavedList>), (status = 404, body = ErrorBody)))]
pub async fn list_saved_lists(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Vec<SavedList>>, AppError> {
    Ok(AppJson(lists::list(&state.db, &actor, id).await?))
}

/// Saves a list, typed or from one of the organisation's orders.
#[utoipa::path(post, path = "/api/procurement/units/{id}/lists", tag = "procurement", request_body = SaveList,
    params(("id" = i64, Path, description = "organisation id")),
    responses((status = 201, body = SavedList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_saved_list(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<SaveList>,
) -> Result<Response, AppError> {
    let saved = lists::create(&state.db, &actor, id, req).await?;
    Ok((StatusCode::CREATED, AppJson(saved)).into_response())
}

/// Replaces a saved list's name and items.
#[utoipa::path(put, path = "/api/procurement/lists/{id}", tag = "procurement", request_body = SaveList,
    params(("id" = i64, Path, description = "list id")),
    responses((status = 200, body = SavedList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace_saved_list(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<SaveList>,
) -> Result<AppJson<SavedList>, AppError> {
    Ok(AppJson(lists::replace(&state.db, &actor, id, req).await?))
}

/// Deletes a saved list.
#[utoipa::path(delete, path = "/api/procurement/lists/{id}", tag = "procurement",
    params(("id" = i64, Path, description = "list id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_saved_list(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<StatusCode, AppError> {
    lists::delete(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Requests for quote the actor may see (a supplier: those addressed to it).
#[utoipa::path(get, path = "/api/procurement/rfqs", tag = "procurement", params(RfqQuery),
    responses((status = 200, body = Vec<Rfq>), (status = 401, body = ErrorBody)))]
pub async fn list_rfqs(
    State(state): State<AppState>,
    actor: Actor,
    AppQuery(q): AppQuery<RfqQuery>,
) -> Result<AppJson<Vec<Rfq>>, AppError> {
    Ok(AppJson(rfq::list(&state.db, &actor, q).await?))
}

/// Sends a request for quote (询价) to one or several suppliers.
#[utoipa::path(post, path = "/api/procurement/rfqs", tag = "procurement", request_body = NewRfq,
    responses((status = 201, body = Rfq), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_rfq(
    State(state): State<AppState>,
    actor: Actor,
    AppJson(req): AppJson<NewRfq>,
) -> Result<Response, AppError> {
    let saved = rfq::create(&state.db, &actor, req).await?;
    Ok((StatusCode::CREATED, AppJson(saved)).into_response())
}

/// One request for quote with the quotes the actor may see.
#[utoipa::path(get, path = "/api/procurement/rfqs/{id}", tag = "procurement",
    params(("id" = i64, Path, description = "request id")),
    responses((status = 200, body = Rfq), (status = 404, body = ErrorBody)))]
pub async fn get_rfq(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Rfq>, AppError> {
    Ok(AppJson(rfq::get(&state.db, &actor, id).await?))
}

/// An addressed supplier answers with a price per item, validity and delivery terms.
#[utoipa::path(post, path = "/api/procurement/rfqs/{id}/quote", tag = "procurement", request_body = NewQuote,
    params(("id" = i64, Path, description = "request id")),
    responses((status = 200, body = Rfq), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit_quote(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<NewQuote>,
) -> Result<AppJson<Rfq>, AppError> {
    Ok(AppJson(rfq::quote(&state.db, &actor, id, req).await?))
}

/// The buyer accepts one quote: it is placed as an order with the quoted prices frozen.
#[utoipa::path(post, path = "/api/procurement/rfqs/{id}/award", tag = "procurement", request_body = AwardQuote,
    params(("id" = i64, Path, description = "request id")),
    responses((status = 201, body = Placed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn award_quote(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<AwardQuote>,
) -> Result<Response, AppError> {
    let placed = rfq::award(&state.db, &actor, id, req).await?;
    Ok((StatusCode::CREATED, AppJson(placed)).into_response())
}

/// The buyer cancels an open request for quote.
#[utoipa::path(post, path = "/api/procurement/rfqs/{id}/cancel", tag = "procurement",
    params(("id" = i64, Path, description = "request id")),
    responses((status = 200, body = Rfq), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_rfq(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Rfq>, AppError> {
    Ok(AppJson(rfq::cancel(&state.db, &actor, id).await?))
}

/// Active suppliers a buyer may ask for a quote.
#[utoipa::path(get, path = "/api/procurement/suppliers", tag = "procurement",
    responses((status = 200, body = Vec<SupplierChoice>), (status = 403, body = ErrorBody)))]
pub async fn list_suppliers(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<AppJson<Vec<SupplierChoice>>, AppError> {
    Ok(AppJson(rfq::suppliers(&state.db, &actor).await?))
}
