//! The declarative parts of an integration: HTTP requests with auth and pagination, how records
//! become external organizations, and the command and file sources.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::HumanDuration;
use crate::template::Template;

const MAX_JSONPATH_LEN: usize = 1000;
const MAX_JSONPATH_NESTING: usize = 64;

/// A JSONPath (RFC 9535) checked when the config is loaded.
#[derive(Debug, Clone)]
pub struct JsonPath {
    pub path: serde_json_path::JsonPath,
    pub source: String,
}

impl<'de> Deserialize<'de> for JsonPath {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let source = String::deserialize(deserializer)?;
        // The parser recurses on nesting: a hostile path must not overflow the stack.
        let depth = source.chars().filter(|c| matches!(c, '(' | '[' | '{')).count();
        if source.len() > MAX_JSONPATH_LEN || depth > MAX_JSONPATH_NESTING {
            return Err(serde::de::Error::custom(format!(
                "the JSONPath is too long or too deeply nested (at most {MAX_JSONPATH_LEN} characters and {MAX_JSONPATH_NESTING} brackets)"
            )));
        }
        serde_json_path::JsonPath::parse(&source)
            .map(|path| JsonPath { path, source: source.clone() })
            .map_err(|err| serde::de::Error::custom(format!("{source:?} is not a JSONPath (RFC 9535): {err}")))
    }
}

/// One JSONPath or several tried in order (`name = ["$.name", "$.displayName"]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMore {
    One(JsonPath),
    More(Vec<JsonPath>),
}

impl OneOrMore {
    pub fn paths(&self) -> &[JsonPath] {
        match self {
            OneOrMore::One(path) => std::slice::from_ref(path),
            OneOrMore::More(paths) => paths,
        }
    }
}

/// An HTTP method orgmap may use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    #[default]
    Get,
    Post,
}

/// One HTTP request, as written in the config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    pub url: Template,
    #[serde(default)]
    pub method: Method,
    /// Query parameters; a table or array value is sent as JSON text.
    #[serde(default)]
    pub query: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub headers: BTreeMap<String, Template>,
    /// A JSON body, written as a TOML table.
    #[serde(default)]
    pub json: Option<toml::Value>,
    /// A form body.
    #[serde(default)]
    pub form: Option<BTreeMap<String, Template>>,
}

/// A request that checks one external ID (cheaper than fetching the whole list): 2xx means it
/// exists, 404 that it does not; `name` reads the organization's name from the answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateSpec {
    pub url: Template,
    #[serde(default)]
    pub method: Method,
    #[serde(default)]
    pub query: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub headers: BTreeMap<String, Template>,
    #[serde(default)]
    pub json: Option<toml::Value>,
    #[serde(default)]
    pub form: Option<BTreeMap<String, Template>>,
    #[serde(default)]
    pub name: Option<OneOrMore>,
}

impl ValidateSpec {
    /// The request to send.
    pub fn request(&self) -> RequestSpec {
        RequestSpec {
            url: self.url.clone(),
            method: self.method,
            query: self.query.clone(),
            headers: self.headers.clone(),
            json: self.json.clone(),
            form: self.form.clone(),
        }
    }
}

/// A request whose answer feeds the templates of later ones (`{steps.NAME.KEY}`), such as
/// HaloPSA's authinfo or Autotask's zoneInformation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    pub name: String,
    pub url: Template,
    #[serde(default)]
    pub method: Method,
    #[serde(default)]
    pub query: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub headers: BTreeMap<String, Template>,
    #[serde(default)]
    pub json: Option<toml::Value>,
    #[serde(default)]
    pub form: Option<BTreeMap<String, Template>>,
    /// Values to read from the answer: key → JSONPath.
    pub extract: BTreeMap<String, JsonPath>,
    /// Values to use when the request fails or a path finds nothing.
    #[serde(default)]
    pub defaults: BTreeMap<String, Template>,
    /// Whether the request carries the integration's credentials.
    #[serde(default)]
    pub auth: bool,
}

/// How requests prove who they are.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthSpec {
    None,
    Bearer {
        token: Template,
        #[serde(default)]
        headers: BTreeMap<String, Template>,
    },
    /// API-key header(s), such as `x-api-key`.
    Headers {
        headers: BTreeMap<String, Template>,
    },
    Basic {
        username: Template,
        password: Template,
        #[serde(default)]
        headers: BTreeMap<String, Template>,
    },
    Oauth2(Box<OAuth2Spec>),
}

/// An OAuth2 token request; the token is fetched once per run and reused.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Spec {
    pub grant: Grant,
    pub token_url: Template,
    pub client_id: Template,
    #[serde(default)]
    pub client_secret: Option<Template>,
    #[serde(default)]
    pub username: Option<Template>,
    #[serde(default)]
    pub password: Option<Template>,
    #[serde(default)]
    pub scope: Option<Template>,
    /// Extra token request parameters, such as `audience`.
    #[serde(default)]
    pub params: BTreeMap<String, Template>,
    /// Where the client credentials go.
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// How the token request is encoded.
    #[serde(default)]
    pub format: BodyFormat,
    /// Headers sent with every request besides the token.
    #[serde(default)]
    pub headers: BTreeMap<String, Template>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    ClientCredentials,
    Password,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    #[default]
    Body,
    Basic,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyFormat {
    #[default]
    Form,
    Json,
}

/// How a list is split into pages.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Pagination {
    None {
        #[serde(default)]
        on_short: OnShort,
    },
    /// `?page=N`: stops after the total count or total pages when the answer gives them, else on a
    /// short or empty page.
    Page {
        param: String,
        #[serde(default = "one")]
        start: u64,
        #[serde(default)]
        size_param: Option<String>,
        #[serde(default)]
        size: Option<u64>,
        #[serde(default)]
        total_count: Option<JsonPath>,
        #[serde(default)]
        total_pages: Option<JsonPath>,
        #[serde(default)]
        on_short: OnShort,
    },
    /// `?offset=N&limit=M`.
    Offset {
        offset_param: String,
        limit_param: String,
        limit: u64,
        #[serde(default)]
        total_count: Option<JsonPath>,
        #[serde(default)]
        on_short: OnShort,
    },
    /// `?after=<last id>`: the cursor is read from the last record of a page.
    Keyset {
        param: String,
        #[serde(default)]
        size_param: Option<String>,
        size: u64,
        #[serde(default = "default_cursor")]
        cursor: JsonPath,
        #[serde(default)]
        on_short: OnShort,
    },
    /// The next page's URL is in the answer (`@odata.nextLink`, `pageDetails.nextPageUrl`).
    NextUrl {
        path: JsonPath,
        #[serde(default)]
        on_short: OnShort,
    },
    /// The next page's URL is in a `Link: <…>; rel="next"` header.
    LinkHeader {
        #[serde(default)]
        on_short: OnShort,
    },
}

impl Default for Pagination {
    fn default() -> Self {
        Pagination::None { on_short: OnShort::default() }
    }
}

impl Pagination {
    /// What to do with a list that ends before the total its answers announce.
    pub fn on_short(&self) -> OnShort {
        match self {
            Pagination::None { on_short }
            | Pagination::Page { on_short, .. }
            | Pagination::Offset { on_short, .. }
            | Pagination::Keyset { on_short, .. }
            | Pagination::NextUrl { on_short, .. }
            | Pagination::LinkHeader { on_short } => *on_short,
        }
    }
}

/// What a list that is shorter (or longer) than announced is: an error, or a loud warning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnShort {
    #[default]
    Fail,
    Warn,
}

fn one() -> u64 {
    1
}

fn default_cursor() -> JsonPath {
    JsonPath { path: serde_json_path::JsonPath::parse("$.id").expect("valid path"), source: "$.id".into() }
}

/// A condition on a record: `{ path = "$.inactive", eq = true }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    pub path: JsonPath,
    #[serde(default)]
    pub eq: Option<toml::Value>,
    #[serde(default)]
    pub ne: Option<toml::Value>,
    #[serde(default, rename = "in")]
    pub one_of: Option<Vec<toml::Value>>,
    #[serde(default)]
    pub not_in: Option<Vec<toml::Value>>,
}

/// How answers become external organizations.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordsSpec {
    /// The records in an answer, such as `$.clients[*]` or `$[*]`.
    #[serde(default = "default_records_path")]
    pub path: JsonPath,
    /// A record's ID, within the record; integers are stored as strings.
    #[serde(default = "default_id")]
    pub id: JsonPath,
    /// A record's name: the first path that finds a string.
    #[serde(default = "default_name")]
    pub name: OneOrMore,
    /// Other fields to keep: name → path.
    #[serde(default)]
    pub keep: BTreeMap<String, JsonPath>,
    /// Where a record keeps its domains: paths to domain names, websites or e-mail addresses
    /// (strings, or lists of them), matched against organizations' domains.
    #[serde(default)]
    pub domains: Option<OneOrMore>,
    /// IDs of other integrations that a record carries (integration name → path), such as a
    /// Datto RMM site's `autotaskCompanyId`: the strongest evidence for matching.
    #[serde(default)]
    pub xrefs: BTreeMap<String, JsonPath>,
    /// Records matching any of these are listed as inactive.
    #[serde(default)]
    pub inactive: Vec<Filter>,
    /// Records matching any of these are left out (system placeholders and the like).
    #[serde(default)]
    pub exclude: Vec<Filter>,
}

impl Default for RecordsSpec {
    fn default() -> Self {
        RecordsSpec {
            path: default_records_path(),
            id: default_id(),
            name: default_name(),
            keep: BTreeMap::new(),
            domains: None,
            xrefs: BTreeMap::new(),
            inactive: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

fn parse_path(source: &str) -> JsonPath {
    JsonPath { path: serde_json_path::JsonPath::parse(source).expect("valid path"), source: source.into() }
}

fn default_records_path() -> JsonPath {
    parse_path("$[*]")
}

fn default_id() -> JsonPath {
    parse_path("$.id")
}

fn default_name() -> OneOrMore {
    OneOrMore::One(parse_path("$.name"))
}

/// A list fetched over HTTP, page by page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSource {
    pub url: Template,
    #[serde(default)]
    pub method: Method,
    #[serde(default)]
    pub query: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub headers: BTreeMap<String, Template>,
    #[serde(default)]
    pub json: Option<toml::Value>,
    #[serde(default)]
    pub form: Option<BTreeMap<String, Template>>,
    #[serde(default)]
    pub pagination: Pagination,
    #[serde(default)]
    pub records: RecordsSpec,
}

impl HttpSource {
    /// The first page's request.
    pub fn request(&self) -> RequestSpec {
        RequestSpec {
            url: self.url.clone(),
            method: self.method,
            query: self.query.clone(),
            headers: self.headers.clone(),
            json: self.json.clone(),
            form: self.form.clone(),
        }
    }
}

/// Where the list of external organizations comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SourceSpec {
    Http(Box<HttpSource>),
    /// A program that prints the organizations as JSON: `[{"id": …, "name": …}, …]`.
    Command {
        /// The program and its arguments; never a secret (anyone on the machine can read a
        /// command line).
        argv: Vec<Template>,
        /// Environment variables set for the program, the way to pass it secrets:
        /// `env = { HALO_TOKEN = "{secret.token}" }`.
        #[serde(default)]
        env: BTreeMap<String, Template>,
        #[serde(default)]
        timeout: Option<HumanDuration>,
        #[serde(default)]
        records: RecordsSpec,
    },
    /// A JSON or CSV file (columns `id`, `name`, optional `active`), relative to the config file.
    File {
        path: PathBuf,
        #[serde(default)]
        records: RecordsSpec,
    },
}

impl StepSpec {
    /// The request this step sends.
    pub fn request(&self) -> RequestSpec {
        RequestSpec {
            url: self.url.clone(),
            method: self.method,
            query: self.query.clone(),
            headers: self.headers.clone(),
            json: self.json.clone(),
            form: self.form.clone(),
        }
    }
}

impl SourceSpec {
    /// `http`, `command` or `file`.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceSpec::Http(_) => "http",
            SourceSpec::Command { .. } => "command",
            SourceSpec::File { .. } => "file",
        }
    }
}
