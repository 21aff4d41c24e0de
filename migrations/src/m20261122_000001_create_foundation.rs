//! The foundation: regions and pairings, organisations, users and roles, sessions,
//! invitations, the member roster, the audit log, the job queue and idempotency keys.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{allow_update_delete, fk, forbid_update_delete, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables in creation order; dropped in reverse.
const TABLES: &[&str] = &[
    "regions",
    "pairings",
    "organizations",
    "users",
    "user_roles",
    "sessions",
    "invitations",
    "member_roster",
    "audit_log",
    "jobs",
    "idempotency_keys",
];

fn ts(name: &str) -> ColumnDef {
    timestamp_with_time_zone(name.to_owned())
}

fn ts_null(name: &str) -> ColumnDef {
    timestamp_with_time_zone_null(name.to_owned())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("regions")
                    .col(string("code").primary_key())
                    .col(string("name"))
                    .col(string("level"))
                    .col(string_null("parent_code"))
                    .col(boolean("poverty_lifted").default(false))
                    .col(boolean("key_assistance").default(false))
                    .col(boolean("old_revolutionary").default(false))
                    .col(string_null("note"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("regions", "parent_code", "regions", "code"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "regions",
                "idx_regions_parent",
                &["parent_code"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("pairings")
                    .col(big_pk_auto("id"))
                    .col(string("helper_code"))
                    .col(string("partner_code"))
                    .col(string("programme"))
                    .col(date("valid_from"))
                    .col(date_null("valid_to"))
                    .col(string_null("source"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("pairings", "helper_code", "regions", "code"))
                    .foreign_key(&mut fk("pairings", "partner_code", "regions", "code"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "pairings",
                "uq_pairings_helper_partner_from",
                &["helper_code", "partner_code", "programme", "valid_from"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "pairings",
                "idx_pairings_partner",
                &["partner_code"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("organizations")
                    .col(big_pk_auto("id"))
                    .col(string("kind"))
                    .col(string("name"))
                    .col(string("status"))
                    .col(string_null("uscc"))
                    .col(string_null("region_code"))
                    .col(string_null("category"))
                    .col(string_null("helper_district_code"))
                    .col(big_integer_null("parent_id"))
                    .col(string_null("contact_name"))
                    .col(string_null("contact_phone"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("organizations", "region_code", "regions", "code"))
                    .foreign_key(&mut fk(
                        "organizations",
                        "helper_district_code",
                        "regions",
                        "code",
                    ))
                    .foreign_key(&mut fk("organizations", "parent_id", "organizations", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "organizations",
                "uq_organizations_kind_name",
                &["kind", "name"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "organizations",
                "uq_organizations_uscc",
                &["uscc"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "organizations",
                "idx_organizations_parent",
                &["parent_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(big_pk_auto("id"))
                    .col(string_null("username"))
                    .col(string_null("phone"))
                    .col(string("display_name"))
                    .col(string_null("password_hash"))
                    .col(string("status"))
                    .col(ts_null("password_changed_at"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("users", "uq_users_username", &["username"], true))
            .await?;
        manager
            .create_index(index("users", "uq_users_phone", &["phone"], true))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("user_roles")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(big_integer("org_id"))
                    .col(string("role"))
                    .col(big_integer_null("granted_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk("user_roles", "user_id", "users", "id"))
                    .foreign_key(&mut fk("user_roles", "org_id", "organizations", "id"))
                    .foreign_key(&mut fk("user_roles", "granted_by", "users", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "user_roles",
                "uq_user_roles_user_org_role",
                &["user_id", "org_id", "role"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "user_roles",
                "idx_user_roles_org",
                &["org_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    .col(big_pk_auto("id"))
                    .col(string("token_hash"))
                    .col(big_integer("user_id"))
                    .col(string("csrf_token"))
                    .col(ts("created_at"))
                    .col(ts("last_seen_at"))
                    .col(ts("expires_at"))
                    .col(ts_null("revoked_at"))
                    .col(string_null("ip"))
                    .col(string_null("user_agent"))
                    .foreign_key(&mut fk("sessions", "user_id", "users", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "sessions",
                "uq_sessions_token_hash",
                &["token_hash"],
                true,
            ))
            .await?;
        manager
            .create_index(index("sessions", "idx_sessions_user", &["user_id"], false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("invitations")
                    .col(big_pk_auto("id"))
                    .col(string("token_hash"))
                    .col(big_integer("user_id"))
                    .col(big_integer("org_id"))
                    .col(string("role"))
                    .col(big_integer_null("created_by"))
                    .col(ts("created_at"))
                    .col(ts("expires_at"))
                    .col(ts_null("accepted_at"))
                    .foreign_key(&mut fk("invitations", "user_id", "users", "id"))
                    .foreign_key(&mut fk("invitations", "org_id", "organizations", "id"))
                    .foreign_key(&mut fk("invitations", "created_by", "users", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "invitations",
                "uq_invitations_token_hash",
                &["token_hash"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("member_roster")
                    .col(big_pk_auto("id"))
                    .col(big_integer("union_org_id"))
                    .col(string("member_no"))
                    .col(string("name"))
                    .col(string("phone"))
                    .col(string("work_unit"))
                    .col(string_null("segment"))
                    .col(string("status"))
                    .col(big_integer_null("user_id"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk(
                        "member_roster",
                        "union_org_id",
                        "organizations",
                        "id",
                    ))
                    .foreign_key(&mut fk("member_roster", "user_id", "users", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "member_roster",
                "uq_member_roster_union_no",
                &["union_org_id", "member_no"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "member_roster",
                "idx_member_roster_user",
                &["user_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(big_pk_auto("id"))
                    .col(ts("at"))
                    .col(big_integer_null("actor_user_id"))
                    .col(big_integer_null("actor_org_id"))
                    .col(string("action"))
                    .col(string("entity_type"))
                    .col(string("entity_id"))
                    .col(text_null("reason"))
                    .col(json_null("before"))
                    .col(json_null("after"))
                    .col(string_null("request_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "audit_log",
                "idx_audit_log_entity",
                &["entity_type", "entity_id"],
                false,
            ))
            .await?;
        forbid_update_delete(manager, "audit_log").await?;

        manager
            .create_table(
                Table::create()
                    .table("jobs")
                    .col(big_pk_auto("id"))
                    .col(string("kind"))
                    .col(json("payload"))
                    .col(string("state"))
                    .col(integer("attempts").default(0))
                    .col(integer("max_attempts"))
                    .col(ts("run_at"))
                    .col(string_null("locked_by"))
                    .col(ts_null("locked_until"))
                    .col(text_null("last_error"))
                    .col(string_null("unique_key"))
                    .col(ts("created_at"))
                    .col(ts_null("finished_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "jobs",
                "idx_jobs_state_run_at",
                &["state", "run_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index("jobs", "uq_jobs_unique_key", &["unique_key"], true))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("idempotency_keys")
                    .col(big_integer("user_id"))
                    .col(string("key"))
                    .col(string("method"))
                    .col(string("path"))
                    .col(string("request_hash"))
                    .col(string("state"))
                    .col(integer_null("response_status"))
                    .col(text_null("response_body"))
                    .col(ts("created_at"))
                    .col(ts("expires_at"))
                    .primary_key(Index::create().col("user_id").col("key"))
                    .foreign_key(&mut fk("idempotency_keys", "user_id", "users", "id"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        allow_update_delete(manager, "audit_log").await?;
        for table in TABLES.iter().rev() {
            manager
                .drop_table(
                    Table::drop()
                        .table((*table).to_owned())
                        .if_exists()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
