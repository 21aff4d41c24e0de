//! The member's address book: up to 20 saved shipping addresses, exactly one of them the default
//! while there are any (the first saved is; deleting or unsetting the default passes it to the
//! most recently changed other address). Checked like a checkout address. Only the member sees
//! their own addresses: anyone else's id is 404.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, sea_query::Expr,
};

use super::checkout::{SHOPPERS, check_address};
use super::dto::{Address, AddressBook, SaveAddress, SavedAddress};
use crate::app::AppState;
use crate::auth::{Actor, authz};
use crate::catalog::reference::Reference;
use crate::db::begin_write;
use crate::domain::mask_phone;
use crate::entities::member_addresses;
use crate::error::{AppError, ErrorCode};

/// Most addresses a member may keep.
pub const MAX_ADDRESSES: u64 = 20;

fn region_names(reference: &Reference, a: &member_addresses::Model) -> String {
    [
        Some(&a.province_code),
        Some(&a.city_code),
        a.district_code.as_ref(),
    ]
    .into_iter()
    .flatten()
    .filter_map(|code| reference.regions.get(code).map(|r| r.name.clone()))
    .collect::<Vec<_>>()
    .join(" ")
}

fn view(reference: &Reference, a: &member_addresses::Model) -> SavedAddress {
    SavedAddress {
        id: a.id,
        address: Address {
            recipient: a.recipient.clone(),
            phone: a.phone.clone(),
            province_code: a.province_code.clone(),
            city_code: a.city_code.clone(),
            district_code: a.district_code.clone(),
            detail: a.detail.clone(),
        },
        phone_masked: mask_phone(&a.phone),
        region: region_names(reference, a),
        is_default: a.is_default,
    }
}

/// The member's addresses, the default first, then the most recently changed.
async fn rows(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<member_addresses::Model>, AppError> {
    Ok(member_addresses::Entity::find()
        .filter(member_addresses::Column::UserId.eq(user_id))
        .order_by_desc(member_addresses::Column::IsDefault)
        .order_by_desc(member_addresses::Column::UpdatedAt)
        .order_by_desc(member_addresses::Column::Id)
        .all(conn)
        .await?)
}

async fn own(
    conn: &impl ConnectionTrait,
    user_id: i64,
    id: i64,
) -> Result<member_addresses::Model, AppError> {
    member_addresses::Entity::find_by_id(id)
        .filter(member_addresses::Column::UserId.eq(user_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Clears the member's default (before another becomes it: the partial unique index allows one).
async fn clear_default(conn: &impl ConnectionTrait, user_id: i64) -> Result<(), AppError> {
    member_addresses::Entity::update_many()
        .col_expr(member_addresses::Column::IsDefault, Expr::value(false))
        .filter(member_addresses::Column::UserId.eq(user_id))
        .filter(member_addresses::Column::IsDefault.eq(true))
        .exec(conn)
        .await?;
    Ok(())
}

/// Makes the most recently changed address other than `except` the default, if there is one.
/// Returns whether one was found.
async fn promote_other(
    conn: &impl ConnectionTrait,
    user_id: i64,
    except: i64,
) -> Result<bool, AppError> {
    let next = rows(conn, user_id)
        .await?
        .into_iter()
        .find(|a| a.id != except);
    let Some(next) = next else {
        return Ok(false);
    };
    clear_default(conn, user_id).await?;
    member_addresses::Entity::update_many()
        .col_expr(member_addresses::Column::IsDefault, Expr::value(true))
        .filter(member_addresses::Column::Id.eq(next.id))
        .exec(conn)
        .await?;
    Ok(true)
}

async fn book(state: &AppState, actor: &Actor) -> Result<AddressBook, AppError> {
    let reference = state.catalog.reference(&state.db).await?;
    let items = rows(&state.db, actor.user_id).await?;
    Ok(AddressBook {
        items: items.iter().map(|a| view(&reference, a)).collect(),
    })
}

/// The member's address book.
///
/// # Errors
/// 403 for anyone but a member.
pub async fn list(state: &AppState, actor: &Actor) -> Result<AddressBook, AppError> {
    authz::require_any_role(actor, SHOPPERS)?;
    book(state, actor).await
}

/// Saves a new address; the first one, or one marked so, becomes the default.
///
/// # Errors
/// 403; 409 `address_book_full`; 422 for a bad address.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    req: SaveAddress,
) -> Result<SavedAddress, AppError> {
    authz::require_any_role(actor, SHOPPERS)?;
    let reference = state.catalog.reference(&state.db).await?;
    let checked = check_address(&reference, &req.address)?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let count = member_addresses::Entity::find()
        .filter(member_addresses::Column::UserId.eq(actor.user_id))
        .count(&txn)
        .await?;
    if count >= MAX_ADDRESSES {
        return Err(AppError::new(
            ErrorCode::AddressBookFull,
            "地址簿最多保存20个地址 / at most 20 addresses",
        ));
    }
    let is_default = req.is_default || count == 0;
    if is_default {
        clear_default(&txn, actor.user_id).await?;
    }
    let saved = member_addresses::ActiveModel {
        user_id: Set(actor.user_id),
        recipient: Set(checked.recipient),
        phone: Set(checked.phone),
        province_code: Set(checked.province_code),
        city_code: Set(checked.city_code),
        district_code: Set(checked.district_code),
        detail: Set(checked.detail),
        is_default: Set(is_default),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(view(&reference, &saved))
}

/// Changes one of the member's addresses. Marking it default moves the default here; unmarking
/// the default passes it to another address (the only address stays the default).
///
/// # Errors
/// 403; 404 for an address that is not the member's; 422 for a bad address.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    req: SaveAddress,
) -> Result<SavedAddress, AppError> {
    authz::require_any_role(actor, SHOPPERS)?;
    let reference = state.catalog.reference(&state.db).await?;
    let txn = begin_write(&state.db).await?;
    let current = own(&txn, actor.user_id, id).await?;
    let checked = check_address(&reference, &req.address)?;
    let is_default = if req.is_default {
        if !current.is_default {
            clear_default(&txn, actor.user_id).await?;
        }
        true
    } else if current.is_default {
        // the default passes on when there is another address to take it
        !promote_other(&txn, actor.user_id, id).await?
    } else {
        false
    };
    let mut a: member_addresses::ActiveModel = current.into();
    a.recipient = Set(checked.recipient);
    a.phone = Set(checked.phone);
    a.province_code = Set(checked.province_code);
    a.city_code = Set(checked.city_code);
    a.district_code = Set(checked.district_code);
    a.detail = Set(checked.detail);
    a.is_default = Set(is_default);
    a.updated_at = Set(Utc::now());
    let saved = a.update(&txn).await?;
    txn.commit().await?;
    Ok(view(&reference, &saved))
}

/// Deletes one of the member's addresses; when it was the default, another takes its place.
///
/// # Errors
/// 403; 404 for an address that is not the member's.
pub async fn delete(state: &AppState, actor: &Actor, id: i64) -> Result<AddressBook, AppError> {
    authz::require_any_role(actor, SHOPPERS)?;
    let txn = begin_write(&state.db).await?;
    let current = own(&txn, actor.user_id, id).await?;
    member_addresses::Entity::delete_by_id(current.id)
        .exec(&txn)
        .await?;
    if current.is_default {
        promote_other(&txn, actor.user_id, id).await?;
    }
    txn.commit().await?;
    book(state, actor).await
}
