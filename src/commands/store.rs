//! `orgmap store`: schema migrations and, on PostgreSQL, the roles that enforce permissions.

use clap::{Args, Subcommand};
use serde_json::json;

use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::store::postgres::schema::Roles;
use crate::store::postgres::{PgLocation, PostgresStore};
use crate::store::{self, Location};

/// Migrate the store's schema; set up PostgreSQL roles
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Bring the store's schema up to this orgmap's version (run after upgrading orgmap)
    ///
    /// On PostgreSQL, run it with the role that owns the store's schema; every other orgmap
    /// refuses an outdated store until then. Each step runs once, in one transaction, even when
    /// several hosts migrate at once. On the embedded store, it rewrites the mappings an earlier
    /// version stored as JSON in the compact form and gives the space back.
    #[command(
        after_help = "Examples:\n  orgmap store migrate\n  orgmap --store postgres://owner@db.internal/orgmap store migrate"
    )]
    Migrate,
    /// Print (or apply) the SQL that creates the reader and manager roles of a PostgreSQL store
    ///
    /// A reader may get, list, look up, discover and test (and so write caches, test results and
    /// audit events); a manager may also change orgs, mappings and access. The server enforces
    /// this, whatever a client's config says. Grant one of them to each login role.
    #[command(
        after_help = "Examples:\n  orgmap store roles | psql -h db.internal orgmap\n  orgmap store roles --apply\n  psql -c 'GRANT orgmap_reader TO workflow_worker'"
    )]
    Roles(RolesArgs),
}

#[derive(Debug, Args)]
pub struct RolesArgs {
    /// Create the roles and grant their privileges now (needs a role that may create roles)
    #[arg(long)]
    pub apply: bool,
}

pub fn run(ctx: &Ctx, command: StoreCommand) -> Result<()> {
    let location = ctx.location()?;
    let options = ctx.open_options()?;
    match command {
        StoreCommand::Migrate => {
            let (from, to) = match &location {
                Location::Postgres(pg) => {
                    let migrated = PostgresStore::migrate(pg, &options)?;
                    (migrated.from, migrated.to)
                }
                Location::Redb(dir) => store::redb::RedbStore::migrate(dir, &options)?,
            };
            let outcome = if from == to { "unchanged" } else { "migrated" };
            if ctx.printer.json {
                return ctx
                    .printer
                    .json(&json!({ "outcome": outcome, "store": location.to_string(), "from": from, "to": to }));
            }
            if from == to {
                ctx.printer.status(&format!("the store at {location} is at schema version {to}; nothing to do"));
            } else {
                ctx.printer.status(&format!("migrated the store at {location} from schema version {from} to {to}"));
            }
            Ok(())
        }
        StoreCommand::Roles(args) => {
            let Location::Postgres(pg) = &location else {
                return Err(Error::usage(
                    "the embedded store has no database roles",
                    "on the embedded store, `orgmap access` decides who may change it",
                ));
            };
            roles(ctx, pg, args.apply)
        }
    }
}

/// The role setup: applied now (no SQL returned), or the SQL to apply.
pub fn role_setup(ctx: &Ctx, location: &PgLocation, apply: bool) -> Result<(Roles, Option<String>)> {
    let options = ctx.open_options()?;
    if apply {
        return Ok((PostgresStore::apply_roles(location, &options)?, None));
    }
    let (roles, sql) = PostgresStore::role_setup(location, &options)?;
    Ok((roles, Some(sql)))
}

/// The role setup as JSON.
pub fn roles_json(roles: &Roles, sql: Option<&str>) -> serde_json::Value {
    json!({ "manager_role": roles.manager, "reader_role": roles.reader, "applied": sql.is_none(), "sql": sql })
}

/// Prints the role setup, or applies it.
pub fn roles(ctx: &Ctx, location: &PgLocation, apply: bool) -> Result<()> {
    let (roles, sql) = role_setup(ctx, location, apply)?;
    if ctx.printer.json {
        return ctx.printer.json(&roles_json(&roles, sql.as_deref()));
    }
    print_roles(ctx, location, &roles, sql.as_deref())
}

pub fn print_roles(ctx: &Ctx, location: &PgLocation, roles: &Roles, sql: Option<&str>) -> Result<()> {
    match sql {
        None => {
            ctx.printer.status(&format!(
                "roles {} and {} are set up; grant one to each login role, e.g. GRANT {} TO worker;",
                roles.manager, roles.reader, roles.reader
            ));
            Ok(())
        }
        Some(sql) => ctx.printer.line(&format!(
            "-- orgmap roles for {location} (apply with `orgmap store roles --apply`, or psql)\n{sql}-- then, per login role:\n--   GRANT {} TO admin_login;\n--   GRANT {} TO worker_login;",
            roles.manager, roles.reader
        )),
    }
}
