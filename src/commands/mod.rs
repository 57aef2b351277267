//! One module per command: its arguments (whose doc comments are its `--help`) and a `run` that
//! parses, calls the domain and hands a view to the printer.

pub mod access;
pub mod apply;
pub mod audit;
pub mod completions;
pub mod coverage;
pub mod discover;
pub mod doctor;
pub mod edit;
pub mod exclude;
pub mod export;
pub mod get;
pub mod import;
pub mod init;
pub mod integrations;
pub mod list;
pub mod lookup;
pub mod man;
pub mod map;
pub mod org;
pub mod refresh;
pub mod set;
pub mod store;
pub mod suggest;
pub mod test;
pub mod unmap;

use clap::Args;
use serde_json::Value;

use crate::domain::Metadata;
use crate::ops::mappings::MetadataChanges;

fn parse_meta(text: &str) -> Result<(String, String), String> {
    text.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).ok_or_else(|| format!("'{text}' is not KEY=VALUE"))
}

fn parse_meta_json(text: &str) -> Result<(String, Value), String> {
    let (key, json) = text.split_once('=').ok_or_else(|| format!("'{text}' is not KEY=JSON"))?;
    let value = crate::domain::parse_exact_json(json).map_err(|err| {
        format!("the value of '{key}' is not JSON that can be kept exactly ({err}); quote strings, e.g. {key}='\"text\"', or use --meta")
    })?;
    Ok((key.to_owned(), value))
}

/// Metadata to set.
#[derive(Debug, Clone, Args)]
pub struct MetaSetArgs {
    /// Set metadata KEY to the string VALUE (repeatable)
    #[arg(long = "meta", value_name = "KEY=VALUE", value_parser = parse_meta)]
    pub meta: Vec<(String, String)>,
    /// Set metadata KEY to a typed JSON value: number, boolean, list, object (repeatable)
    #[arg(long = "meta-json", value_name = "KEY=JSON", value_parser = parse_meta_json)]
    pub meta_json: Vec<(String, Value)>,
}

impl MetaSetArgs {
    /// The metadata as given. A key given twice is refused: which one was meant cannot be told
    /// (clap keeps `--meta` and `--meta-json` apart, not in command-line order).
    pub fn metadata(&self) -> crate::error::Result<Metadata> {
        let mut metadata = Metadata::new();
        let strings = self.meta.iter().map(|(key, value)| (key, Value::String(value.clone())));
        let typed = self.meta_json.iter().map(|(key, value)| (key, value.clone()));
        for (key, value) in strings.chain(typed) {
            if metadata.insert(key.clone(), value).is_some() {
                return Err(crate::error::Error::usage(
                    format!("metadata key '{}' is given more than once", key.escape_debug()),
                    "give each key once, with --meta for text or --meta-json for a typed value",
                ));
            }
        }
        Ok(metadata)
    }
}

/// Metadata to set and to remove.
#[derive(Debug, Clone, Args)]
pub struct MetaChangeArgs {
    #[command(flatten)]
    pub set: MetaSetArgs,
    /// Remove metadata KEY (repeatable)
    #[arg(long = "unset-meta", value_name = "KEY")]
    pub unset_meta: Vec<String>,
}

impl MetaChangeArgs {
    pub fn changes(&self) -> crate::error::Result<MetadataChanges> {
        Ok(MetadataChanges { set: self.set.metadata()?, unset: self.unset_meta.clone() })
    }
}

/// The mapping named on the command line, or, on a terminal, one picked from all of them.
fn mapping_reference(ctx: &crate::context::Ctx, given: Option<&str>, what: &str) -> crate::error::Result<String> {
    if let Some(reference) = given {
        return Ok(reference.to_owned());
    }
    if !ctx.can_prompt() {
        return Err(crate::error::Error::usage(
            format!("no mapping given to {what}"),
            "pass its mapping ID (`orgmap list` shows them), or run orgmap on a terminal to pick one",
        ));
    }
    let mut all = Vec::new();
    {
        let store = ctx.store(crate::store::Access::Read)?;
        store.read()?.for_each_mapping(&mut |m| {
            all.push(m);
            Ok(())
        })?;
    }
    Ok(crate::prompt::mapping(&all)?.mapping_id)
}
