//! `orgmap org`: the MSP's own organizations.

use clap::{Args, Subcommand};

use crate::context::Ctx;
use crate::domain::Org;
use crate::error::Result;
use crate::ops::discovery::{self, DiscoverOptions};
use crate::ops::orgs::OrgDetails;
use crate::ops::{self, Change};
use crate::output::progress::FetchProgress;
use crate::output::sanitize;
use crate::output::table::{self, or_dash, yes_no};
use crate::output::views::{MappingView, OrgChangeView, OrgDetailView, OrgView, TestView, test_cell};
use crate::store::Access;

/// Manage your customer organizations
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add an organization (adding an identical one again changes nothing)
    #[command(after_help = "Examples:
  orgmap org add acme --name \"Acme Corp\"
  orgmap org add acme --name \"Acme Corp\" --domain acme.com --alias \"Acme Inc\"")]
    Add(AddArgs),
    /// List organizations
    #[command(after_help = "Examples:\n  orgmap org list\n  orgmap org list --json | jq -r '.[].id'")]
    List(ListArgs),
    /// Show an organization and all its mappings
    #[command(after_help = "Examples:\n  orgmap org show acme")]
    Show(OrgRef),
    /// Give an organization a new display name
    #[command(after_help = "Examples:\n  orgmap org rename acme \"Acme Corporation\"")]
    Rename(RenameArgs),
    /// Change an organization's name, domains and aliases (what matching uses)
    #[command(after_help = "Examples:
  orgmap org edit acme --domain acme.com --domain acme.de
  orgmap org edit acme --alias \"Acme Holdings\" --remove-domain old-acme.com
  orgmap org edit acme --name \"Acme Corporation\"")]
    Edit(EditArgs),
    /// Create an organization, with its mapping, for each external organization of a system of
    /// record that no organization maps yet
    ///
    /// IDs are slugs of the names ("Acme Corp, Inc." → acme-corp; -2, -3 … when taken); external
    /// organizations whose name an organization already has (or as an alias) are left out, to be
    /// matched with `orgmap suggest` instead of duplicated. One transaction, audited as one
    /// org.import; running it again creates nothing new.
    #[command(after_help = "Examples:
  orgmap org import halopsa --dry-run
  orgmap org import halopsa
  orgmap org import halopsa --search \"dental\" --include-inactive")]
    Import(ImportArgs),
    /// Deactivate an organization: workflows can no longer use its mappings
    #[command(after_help = "Examples:\n  orgmap org deactivate acme")]
    Deactivate(OrgRef),
    /// Activate an organization again
    #[command(after_help = "Examples:\n  orgmap org activate acme")]
    Activate(OrgRef),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The organization's ID: a slug such as acme or contoso-eu
    pub id: String,
    /// Its display name
    #[arg(long)]
    pub name: String,
    /// One of its domains, such as acme.com (repeatable); public mail domains are refused
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,
    /// A former or trading name (repeatable)
    #[arg(long = "alias", value_name = "NAME")]
    pub aliases: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The integration to import from (the system of record, such as the PSA)
    pub integration: String,
    /// Show what would be created without changing anything
    #[arg(long)]
    pub dry_run: bool,
    /// Also import external organizations the integration lists as inactive
    #[arg(long)]
    pub include_inactive: bool,
    /// Only external organizations whose ID or name contains TEXT
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Fetch the integration's list even when the cached one is fresh
    #[arg(long)]
    pub refresh: bool,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The organization's ID
    pub id: String,
    /// A new display name
    #[arg(long)]
    pub name: Option<String>,
    /// Add a domain (repeatable)
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,
    /// Remove a domain (repeatable)
    #[arg(long = "remove-domain", value_name = "DOMAIN")]
    pub remove_domains: Vec<String>,
    /// Add an alias: a former or trading name (repeatable)
    #[arg(long = "alias", value_name = "NAME")]
    pub aliases: Vec<String>,
    /// Remove an alias (repeatable)
    #[arg(long = "remove-alias", value_name = "NAME")]
    pub remove_aliases: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only active organizations
    #[arg(long)]
    pub active: bool,
}

#[derive(Debug, Args)]
pub struct OrgRef {
    /// The organization's ID
    pub id: String,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// The organization's ID
    pub id: String,
    /// The new display name
    pub name: String,
}

pub fn run(ctx: &Ctx, command: OrgCommand) -> Result<()> {
    match command {
        OrgCommand::Add(args) => {
            let store = ctx.store(Access::Write)?;
            let details = OrgDetails { add_domains: args.domains, add_aliases: args.aliases, ..OrgDetails::default() };
            let change = ops::orgs::add_org(&*store, &ctx.actor()?, &args.id, &args.name, &details)?;
            report_change(ctx, &change)
        }
        OrgCommand::Edit(args) => {
            let details = OrgDetails {
                add_domains: args.domains,
                remove_domains: args.remove_domains,
                add_aliases: args.aliases,
                remove_aliases: args.remove_aliases,
            };
            let store = ctx.store(Access::Write)?;
            let change = ops::orgs::edit_org(&*store, &ctx.actor()?, &args.id, args.name.as_deref(), &details)?;
            report_change(ctx, &change)
        }
        OrgCommand::Rename(args) => {
            let store = ctx.store(Access::Write)?;
            let change = ops::orgs::rename_org(&*store, &ctx.actor()?, &args.id, &args.name)?;
            report_change(ctx, &change)
        }
        OrgCommand::Import(args) => import(ctx, args),
        OrgCommand::Deactivate(args) => set_active(ctx, &args.id, false),
        OrgCommand::Activate(args) => set_active(ctx, &args.id, true),
        OrgCommand::List(args) => list(ctx, args),
        OrgCommand::Show(args) => show(ctx, &args.id),
    }
}

/// `org import`: organizations for the external organizations of a system of record.
fn import(ctx: &Ctx, args: ImportArgs) -> Result<()> {
    let config = ctx.config()?;
    let integration = config.mapping_integration(&args.integration)?;
    let progress = FetchProgress::new(&integration.display_name, "pages", ctx.show_progress());
    let options = DiscoverOptions { refresh: args.refresh, offline: false };
    let listing = discovery::discover(&ctx.opener(), integration, options, &ctx.fetcher(&progress))?;
    progress.finish();
    if let discovery::Origin::Stale(Some(reason)) = &listing.origin {
        ctx.printer.warn(&format!("{reason}; importing from the list cached earlier"));
    }
    let mut listed: Vec<_> = match &args.search {
        Some(query) => discovery::search(&listing.cache.organizations, query).into_iter().cloned().collect(),
        None => listing.cache.organizations.clone(),
    };
    let inactive = listed.iter().filter(|o| !o.active).count();
    if !args.include_inactive {
        listed.retain(|o| o.active);
    }
    let store = ctx.store(Access::Write)?;
    let plan = ops::bootstrap::import_orgs(&*store, &ctx.actor()?, &args.integration, &listed, args.dry_run)?;
    drop(store);
    if ctx.printer.json {
        return ctx.printer.json(&plan);
    }
    if !plan.create.is_empty() {
        let mut rows = table::new(&["ORG", "NAME", "EXTERNAL ID", "MAPPING"]);
        for planned in &plan.create {
            rows.add_row(vec![
                planned.org_id.clone(),
                planned.name.clone(),
                planned.external_org_id.clone(),
                planned.mapping_id.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
        ctx.printer.table(&rows)?;
    }
    for skipped in &plan.skipped {
        ctx.printer.warn(&format!(
            "left out {} {}: {}",
            skipped.external_org_id,
            skipped.name.as_deref().map(|n| format!("\"{n}\"")).unwrap_or_default(),
            skipped.reason
        ));
    }
    let verb = if plan.applied {
        "created"
    } else if args.dry_run {
        "would create"
    } else {
        "created"
    };
    ctx.printer.status(&format!(
        "{verb} {} organization(s) with their {} mapping(s); {} already mapped, {} left out{}",
        plan.create.len(),
        args.integration,
        plan.already_mapped,
        plan.skipped.len(),
        if args.include_inactive || inactive == 0 {
            String::new()
        } else {
            format!(", {inactive} inactive upstream not imported (--include-inactive)")
        }
    ));
    Ok(())
}

fn set_active(ctx: &Ctx, id: &str, active: bool) -> Result<()> {
    let store = ctx.store(Access::Write)?;
    let change = ops::orgs::set_org_active(&*store, &ctx.actor()?, id, active)?;
    report_change(ctx, &change)
}

fn report_change(ctx: &Ctx, change: &Change<Org>) -> Result<()> {
    let org = change.value();
    if ctx.printer.json {
        return ctx.printer.json(&OrgChangeView { outcome: change.outcome(), org: OrgView::from(org) });
    }
    let state = if org.active { "active" } else { "inactive" };
    ctx.printer.status(&format!("{} organization {} \"{}\" ({state})", change.outcome(), org.id, sanitize(&org.name)));
    Ok(())
}

fn list(ctx: &Ctx, args: ListArgs) -> Result<()> {
    let store = ctx.store(Access::Read)?;
    let orgs: Vec<Org> = store.read()?.orgs()?.into_iter().filter(|o| o.active || !args.active).collect();
    if ctx.printer.json {
        let views: Vec<OrgView> = orgs.iter().map(OrgView::from).collect();
        return ctx.printer.json(&views);
    }
    let mut table = table::new(&["ORG", "NAME", "ACTIVE"]);
    for org in &orgs {
        table.add_row(vec![org.id.clone(), sanitize(&org.name).into_owned(), yes_no(org.active).to_owned()]);
    }
    ctx.printer.table(&table)
}

fn show(ctx: &Ctx, id: &str) -> Result<()> {
    let store = ctx.store(Access::Read)?;
    let tx = store.read()?;
    let org = ops::orgs::require_org(&*tx, id)?;
    let mappings = tx.mappings_of_org(id, None)?;
    let tests = mappings.iter().map(|m| tx.test_result(&m.mapping_id)).collect::<Result<Vec<_>>>()?;
    if ctx.printer.json {
        let views = mappings
            .iter()
            .zip(&tests)
            .map(|(m, t)| {
                let mut view = MappingView::from(m);
                view.last_test = t.as_ref().map(TestView::from);
                view
            })
            .collect();
        return ctx.printer.json(&OrgDetailView { org: OrgView::from(&org), mappings: views });
    }
    let state = if org.active { "active" } else { "inactive" };
    ctx.printer.line(&format!("{} \"{}\" ({state})", org.id, sanitize(&org.name)))?;
    if !org.domains.is_empty() {
        ctx.printer.line(&format!("domains: {}", org.domains.join(", ")))?;
    }
    if !org.aliases.is_empty() {
        let aliases: Vec<String> = org.aliases.iter().map(|a| format!("\"{}\"", sanitize(a))).collect();
        ctx.printer.line(&format!("aliases: {}", aliases.join(", ")))?;
    }
    if mappings.is_empty() {
        ctx.printer
            .status(&format!("no mappings yet; create one with `orgmap map INTEGRATION EXTERNAL_ID --org {}`", org.id));
        return Ok(());
    }
    let mut table =
        table::new(&["INTEGRATION", "EXTERNAL ID", "EXTERNAL NAME", "LABEL", "ACTIVE", "LAST TEST", "MAPPING"]);
    for (m, last_test) in mappings.iter().zip(&tests) {
        table.add_row(vec![
            m.integration.clone(),
            sanitize(&m.external_org_id).into_owned(),
            or_dash(m.external_org_name.as_deref()),
            or_dash(m.label.as_deref()),
            yes_no(m.active).to_owned(),
            test_cell(last_test.as_ref()),
            m.mapping_id.clone(),
        ]);
    }
    ctx.printer.table(&table)
}
