//! Fixture servers that imitate the eight external APIs of the shipped integrations.toml, quirks
//! included (see /work/shared/reference/external-apis.md): HaloPSA, NinjaOne, Microsoft 365
//! (login and Graph hosts), ConnectWise Manage, Autotask (webservices and zone hosts), IT Glue,
//! Hudu and Datto RMM.
//!
//! Each checks the credentials it was built with and the tokens it issued, and answers 401
//! otherwise; a request that gets a detail wrong (grant type, scope, a required header or filter,
//! the codebase) is refused, so that a broken config fails its test. Refusals echo what was
//! presented (as OAuth servers do with "Invalid access token: …"), so that the tests also prove
//! that orgmap redacts what an API sends back. Each list holds about two and a half pages, so
//! that pagination really runs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};

use crate::fixture::{Counter, FixtureServer};

type Params = Query<HashMap<String, String>>;

/// A refusal: boxed, as a response is large.
pub struct Refused(Box<Response>);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// What a handler answers: a refusal is an answer too.
type Reply = Result<Response, Refused>;

/// What one fixture API knows: the credentials it accepts, the tokens it issued, and what it
/// was asked.
#[derive(Default)]
pub struct Fx {
    /// The main host's base URL (`http://127.0.0.1:PORT`).
    base: OnceLock<String>,
    creds: HashMap<&'static str, String>,
    issued: Mutex<Vec<String>>,
    revoked: AtomicBool,
    /// Path and query of every list request, in the order received.
    list_requests: Mutex<Vec<String>>,
    token_requests: Counter,
}

impl Fx {
    fn cred(&self, key: &str) -> &str {
        self.creds.get(key).map(String::as_str).unwrap_or_else(|| panic!("no credential {key}"))
    }

    fn base(&self) -> &str {
        self.base.get().expect("base URL set")
    }

    /// A new token, remembered as valid.
    fn issue(&self, prefix: &str) -> String {
        let mut issued = self.issued.lock().unwrap();
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let token = format!("{prefix}-tok-{}-{nanos:08x}-e9d1", issued.len() + 1);
        issued.push(token.clone());
        token
    }

    fn log(&self, uri: &Uri) {
        self.list_requests.lock().unwrap().push(uri.path_and_query().map_or_else(String::new, |p| p.to_string()));
    }

    /// Whether the API refuses every credential, valid or not (a revoked app).
    fn is_revoked(&self) -> bool {
        self.revoked.load(Ordering::SeqCst)
    }

    /// Checks `Authorization: Bearer <a token this fixture issued>`.
    fn bearer(&self, headers: &HeaderMap) -> Result<(), Refused> {
        let presented = header(headers, "authorization").unwrap_or_default();
        let token = presented.strip_prefix("Bearer ").unwrap_or_default();
        if !token.is_empty() && !self.is_revoked() && self.issued.lock().unwrap().iter().any(|t| t == token) {
            Ok(())
        } else {
            Err(refuse(&format!("Invalid access token: {token}"), &presented))
        }
    }

    /// Checks that each header has the value of its credential.
    fn api_headers(&self, headers: &HeaderMap, expected: &[(&str, &str)]) -> Result<(), Refused> {
        for (name, cred) in expected {
            let presented = header(headers, name).unwrap_or_default();
            if self.is_revoked() || presented != self.cred(cred) {
                return Err(refuse(&format!("the {name} header is missing or wrong"), &presented));
            }
        }
        Ok(())
    }
}

/// A running fixture API: its servers and what it saw.
pub struct Api {
    fx: Arc<Fx>,
    servers: Vec<FixtureServer>,
}

impl Api {
    fn start(creds: &[(&'static str, &str)], main: impl FnOnce(Arc<Fx>) -> Router) -> (Api, Arc<Fx>) {
        let fx = Arc::new(Fx { creds: creds.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(), ..Fx::default() });
        let server = FixtureServer::start(main(fx.clone()));
        fx.base.set(server.url("")).unwrap();
        (Api { fx: fx.clone(), servers: vec![server] }, fx)
    }

    fn with_second(mut self, router: Router) -> Self {
        self.servers.push(FixtureServer::start(router));
        self
    }

    /// The main host's base URL.
    pub fn url(&self) -> String {
        self.servers[0].url("")
    }

    /// The second host's base URL (Microsoft's login host, Autotask's webservices host).
    pub fn second_url(&self) -> String {
        self.servers[1].url("")
    }

    /// Every token issued so far.
    pub fn issued(&self) -> Vec<String> {
        self.fx.issued.lock().unwrap().clone()
    }

    /// From now on the list refuses every credential, even a valid token just issued (a revoked
    /// app); token requests still succeed.
    pub fn revoke(&self) {
        self.fx.revoked.store(true, Ordering::SeqCst);
    }

    /// Path and query of each list request so far, and forgets them.
    pub fn take_list_requests(&self) -> Vec<String> {
        std::mem::take(&mut *self.fx.list_requests.lock().unwrap())
    }

    /// How many token requests were received.
    pub fn token_requests(&self) -> usize {
        self.fx.token_requests.get()
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// `Authorization: Basic` decoded into user and password.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = header(headers, "authorization")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(value.strip_prefix("Basic ")?).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// A form body, after checking its content type.
fn form(headers: &HeaderMap, body: &str) -> Result<HashMap<String, String>, Refused> {
    let content_type = header(headers, "content-type").unwrap_or_default();
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(bad(&format!("a token request is a form, not {content_type:?}")));
    }
    Ok(url::form_urlencoded::parse(body.as_bytes()).into_owned().collect())
}

/// 401, echoing what was presented.
fn refuse(reason: &str, presented: &str) -> Refused {
    let body = json!({ "error": "unauthorized", "error_description": reason, "presented": presented });
    Refused(Box::new((StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()))
}

fn bad(reason: &str) -> Refused {
    Refused(Box::new(
        (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": "invalid_request", "error_description": reason })))
            .into_response(),
    ))
}

/// An HTML 404, as a web server in front of an API answers for an unknown path.
fn not_found() -> Reply {
    Ok((StatusCode::NOT_FOUND, "<html><body>Not Found</body></html>").into_response())
}

fn ok(body: Value) -> Reply {
    Ok(axum::Json(body).into_response())
}

fn number(params: &HashMap<String, String>, key: &str) -> Result<Option<usize>, Refused> {
    params.get(key).map(|v| v.parse().map_err(|_| bad(&format!("{key}={v} is not a number")))).transpose()
}

/// Checks a token request's form: grant, client credentials in the body, scope.
fn client_credentials(fx: &Fx, form: &HashMap<String, String>, scope_ok: impl Fn(&str) -> bool) -> Result<(), Refused> {
    let field = |key: &str| form.get(key).cloned().unwrap_or_default();
    if field("grant_type") != "client_credentials" {
        return Err(bad(&format!("unsupported grant_type {:?}", field("grant_type"))));
    }
    if !scope_ok(&field("scope")) {
        return Err(bad(&format!("invalid scope {:?}", field("scope"))));
    }
    if field("client_id") != fx.cred("client_id") || field("client_secret") != fx.cred("client_secret") {
        return Err(refuse("invalid_client", &format!("{}:{}", field("client_id"), field("client_secret"))));
    }
    Ok(())
}

fn token_answer(token: &str) -> Reply {
    ok(json!({ "access_token": token, "token_type": "Bearer", "expires_in": 3600 }))
}

// ---------------------------------------------------------------------------------------------
// HaloPSA

/// Every HaloPSA client: 250, every tenth inactive.
pub fn halo_clients() -> Vec<Value> {
    (0..250)
        .map(|i| json!({ "id": 100 + 3 * i, "name": format!("Halo Client {i:03}"), "toplevel_id": 1, "inactive": i % 10 == 3 }))
        .collect()
}

/// HaloPSA: `/api/authinfo` names the auth server (`{base}/auth`); client credentials with
/// `scope=all`; `/api/Client` pages only with `pageinate=true`, from 1, with `record_count`.
pub fn halopsa(client_id: &str, client_secret: &str) -> Api {
    let (api, _) = Api::start(&[("client_id", client_id), ("client_secret", client_secret)], |fx| {
        Router::new()
            .route(
                "/api/authinfo",
                get(|State(fx): State<Arc<Fx>>| async move {
                    ok(json!({ "auth_url": format!("{}/auth", fx.base()), "auth_url_cloud": "" }))
                }),
            )
            .route("/auth/token", post(halo_token))
            .route("/api/Client", get(halo_list))
            .with_state(fx)
    });
    api
}

async fn halo_token(State(fx): State<Arc<Fx>>, headers: HeaderMap, body: String) -> Reply {
    fx.token_requests.hit();
    let form = form(&headers, &body)?;
    client_credentials(&fx, &form, |scope| scope == "all")?;
    token_answer(&fx.issue("halo"))
}

async fn halo_list(State(fx): State<Arc<Fx>>, headers: HeaderMap, uri: Uri, Query(q): Params) -> Reply {
    fx.log(&uri);
    fx.bearer(&headers)?;
    let clients: Vec<Value> = halo_clients()
        .into_iter()
        .filter(|c| q.get("includeinactive").is_some_and(|v| v == "true") || c["inactive"] == false)
        .collect();
    let count = clients.len();
    // The quirk: without pageinate=true, page_no and page_size are ignored.
    if q.get("pageinate").is_none_or(|v| v != "true") {
        return ok(json!({ "record_count": count, "clients": clients }));
    }
    let (page, size) = (number(&q, "page_no")?.unwrap_or(1), number(&q, "page_size")?.unwrap_or(50));
    if page == 0 || size == 0 {
        return Err(bad("page_no and page_size start from 1"));
    }
    let items: Vec<Value> = clients.into_iter().skip((page - 1) * size).take(size).collect();
    ok(json!({ "page_no": page, "page_size": size, "record_count": count, "clients": items }))
}

// ---------------------------------------------------------------------------------------------
// NinjaOne

/// Every NinjaOne organization: 250, with IDs that are not consecutive (an offset is not an ID).
pub fn ninja_orgs() -> Vec<Value> {
    (0..250)
        .map(|i| json!({ "id": 2 + 3 * i + i / 7, "name": format!("Ninja Org {i:03}"), "nodeApprovalMode": "AUTOMATIC", "tags": [] }))
        .collect()
}

/// NinjaOne: client credentials at `/ws/oauth/token` (scope `monitoring management`);
/// `/v2/organizations?pageSize=S&after=ID` answers a top-level array of the records after that ID.
pub fn ninjaone(client_id: &str, client_secret: &str) -> Api {
    let (api, _) = Api::start(&[("client_id", client_id), ("client_secret", client_secret)], |fx| {
        Router::new()
            .route("/ws/oauth/token", post(ninja_token))
            .route("/v2/organizations", get(ninja_list))
            .with_state(fx)
    });
    api
}

async fn ninja_token(State(fx): State<Arc<Fx>>, headers: HeaderMap, body: String) -> Reply {
    fx.token_requests.hit();
    let form = form(&headers, &body)?;
    let scope_ok = |scope: &str| {
        let scopes: Vec<&str> = scope.split(' ').collect();
        scopes.contains(&"monitoring")
            && scopes.iter().all(|s| ["monitoring", "management", "control", "offline_access"].contains(s))
    };
    client_credentials(&fx, &form, scope_ok)?;
    token_answer(&fx.issue("ninja"))
}

async fn ninja_list(State(fx): State<Arc<Fx>>, headers: HeaderMap, uri: Uri, Query(q): Params) -> Reply {
    fx.log(&uri);
    fx.bearer(&headers)?;
    let (after, size) = (number(&q, "after")?.unwrap_or(0), number(&q, "pageSize")?.unwrap_or(50).clamp(1, 1000));
    let page: Vec<Value> =
        ninja_orgs().into_iter().filter(|o| o["id"].as_u64().unwrap() as usize > after).take(size).collect();
    ok(Value::Array(page))
}

// ---------------------------------------------------------------------------------------------
// Microsoft 365

/// Every GDAP customer of the partner: 250 tenants (one without a display name).
pub fn m365_customers() -> Vec<Value> {
    (0..250u64)
        .map(|i| {
            let tenant = format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                0x5e_c0_00_00 + i * 7919,
                i,
                i % 4096,
                (i * 13) % 4096,
                0xabc0_0000_0000 + i
            );
            if i == 42 {
                json!({ "id": tenant, "tenantId": tenant })
            } else {
                json!({ "id": tenant, "tenantId": tenant, "displayName": format!("Contoso {i:03} Ltd") })
            }
        })
        .collect()
}

/// Microsoft 365: client credentials at `{login}/{tenant}/oauth2/v2.0/token` on the login host
/// (the second server); Graph's `delegatedAdminCustomers` pages with an absolute
/// `@odata.nextLink` carrying a `$skiptoken`, 100 records a page unless `$top` says otherwise.
pub fn m365(tenant: &str, client_id: &str, client_secret: &str) -> Api {
    let (api, fx) =
        Api::start(&[("tenant", tenant), ("client_id", client_id), ("client_secret", client_secret)], |fx| {
            Router::new().route("/v1.0/tenantRelationships/delegatedAdminCustomers", get(m365_list)).with_state(fx)
        });
    api.with_second(Router::new().route("/{tenant}/oauth2/v2.0/token", post(m365_token)).with_state(fx))
}

async fn m365_token(State(fx): State<Arc<Fx>>, Path(tenant): Path<String>, headers: HeaderMap, body: String) -> Reply {
    fx.token_requests.hit();
    if tenant != fx.cred("tenant") {
        return Err(bad(&format!("AADSTS90002: Tenant '{tenant}' not found.")));
    }
    let form = form(&headers, &body)?;
    client_credentials(&fx, &form, |scope| scope == "https://graph.microsoft.com/.default")?;
    let token = fx.issue("m365");
    ok(json!({ "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token }))
}

async fn m365_list(State(fx): State<Arc<Fx>>, headers: HeaderMap, uri: Uri, Query(q): Params) -> Reply {
    fx.log(&uri);
    fx.bearer(&headers)?;
    let skip = match q.get("$skiptoken") {
        None => 0,
        Some(token) => match base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| t.strip_prefix("RFNwdA-").and_then(|n| n.parse::<usize>().ok()))
        {
            Some(skip) => skip,
            None => return Err(bad("invalid $skiptoken")),
        },
    };
    let top = number(&q, "$top")?.unwrap_or(100).clamp(1, 300);
    let all = m365_customers();
    let value: Vec<Value> = all.iter().skip(skip).take(top).cloned().collect();
    let mut body = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#tenantRelationships/delegatedAdminCustomers",
        "value": value,
    });
    if skip + top < all.len() {
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("RFNwdA-{}", skip + top));
        let mut next =
            url::Url::parse(&format!("{}/v1.0/tenantRelationships/delegatedAdminCustomers", fx.base())).unwrap();
        next.query_pairs_mut().append_pair("$skiptoken", &token);
        if q.contains_key("$top") {
            next.query_pairs_mut().append_pair("$top", &top.to_string());
        }
        body["@odata.nextLink"] = Value::String(next.to_string());
    }
    ok(body)
}

// ---------------------------------------------------------------------------------------------
// ConnectWise Manage

/// The codebase `/login/companyinfo` names: not the config's fallback, so that the step is
/// proven to run.
pub const CONNECTWISE_CODEBASE: &str = "v2025_1/";

/// Every ConnectWise company: 2500 live ones and 200 deleted ones (every 13th record).
pub fn cw_companies() -> Vec<Value> {
    (0..2700)
        .map(|i| {
            json!({
                "id": 250 + i,
                "identifier": format!("Company{i:04}"),
                "name": format!("CW Company {i:04}"),
                "status": { "id": 1, "name": "Active" },
                "deletedFlag": i % 13 == 5 && i < 2600,
                "_info": { "lastUpdated": "2025-01-01T00:00:00Z" },
            })
        })
        .collect()
}

/// ConnectWise Manage: `/login/companyinfo/{company}` gives the codebase; the API needs Basic
/// `company+public:private` and a `clientId` header; `conditions=deletedFlag=false` leaves deleted
/// companies out; pages (`page` from 1, `pageSize` ≤ 1000) link to each other only in a `Link`
/// header.
pub fn connectwise(company: &str, public_key: &str, private_key: &str, client_id: &str) -> Api {
    let creds = [("company", company), ("public", public_key), ("private", private_key), ("client_id", client_id)];
    let (api, _) = Api::start(&creds, |fx| {
        Router::new()
            .route("/login/companyinfo/{company}", get(cw_companyinfo))
            .route("/{codebase}/apis/3.0/company/companies", get(cw_list))
            .with_state(fx)
    });
    api
}

async fn cw_companyinfo(State(fx): State<Arc<Fx>>, Path(company): Path<String>) -> Reply {
    if !company.eq_ignore_ascii_case(fx.cred("company")) {
        return ok(Value::Null);
    }
    ok(json!({
        "CompanyName": "Fixture MSP",
        "Codebase": CONNECTWISE_CODEBASE,
        "VersionCode": "v2025.1",
        "VersionNumber": "v4.6.2025",
        "CompanyID": company,
        "IsCloud": true,
        "SiteUrl": fx.base(),
    }))
}

async fn cw_list(
    State(fx): State<Arc<Fx>>,
    Path(codebase): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Params,
) -> Reply {
    fx.log(&uri);
    if format!("{codebase}/") != CONNECTWISE_CODEBASE {
        return not_found();
    }
    let expected = format!("{}+{}", fx.cred("company"), fx.cred("public"));
    let presented = header(&headers, "authorization").unwrap_or_default();
    if fx.is_revoked() || basic(&headers) != Some((expected, fx.cred("private").to_owned())) {
        return Err(refuse("invalid credentials", &presented));
    }
    let client_id = header(&headers, "clientid").unwrap_or_default();
    if client_id != fx.cred("client_id") {
        return Err(refuse("a valid clientId header is required", &client_id));
    }
    let only_live = match q.get("conditions").map(String::as_str) {
        None => false,
        Some("deletedFlag=false") => true,
        Some(other) => return Err(bad(&format!("conditions {other:?} not understood by this fixture"))),
    };
    let (page, size) = (number(&q, "page")?.unwrap_or(1).max(1), number(&q, "pageSize")?.unwrap_or(25));
    if size == 0 || size > 1000 {
        return Err(bad("pageSize is 1 to 1000"));
    }
    let companies: Vec<Value> =
        cw_companies().into_iter().filter(|c| !only_live || c["deletedFlag"] == false).collect();
    let last = companies.len().div_ceil(size).max(1);
    let items: Vec<Value> = companies.into_iter().skip((page - 1) * size).take(size).collect();
    let link = |target: usize| {
        let mut url = url::Url::parse(&format!("{}/{codebase}/apis/3.0/company/companies", fx.base())).unwrap();
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(conditions) = q.get("conditions") {
                pairs.append_pair("conditions", conditions);
            }
            pairs.append_pair("pageSize", &size.to_string()).append_pair("page", &target.to_string());
        }
        format!("<{url}>")
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", link(page - 1)));
        links.push(format!("{}; rel=\"first\"", link(1)));
    }
    if page < last {
        links.push(format!("{}; rel=\"next\"", link(page + 1)));
        links.push(format!("{}; rel=\"last\"", link(last)));
    }
    let mut response = ok(Value::Array(items))?;
    if !links.is_empty() {
        response.headers_mut().insert("link", HeaderValue::from_str(&links.join(", ")).unwrap());
    }
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Autotask

/// Every Autotask company: 1260 active ones and 140 inactive ones (every tenth record).
pub fn autotask_companies() -> Vec<Value> {
    (0..1400i64)
        .map(|i| {
            json!({
                "id": 29_683_000 + 2 * i,
                "companyName": format!("AT Company {i:04}"),
                "companyNumber": format!("{i}"),
                "companyType": 1,
                "isActive": i % 10 != 7,
                // Most companies have a website, written as people write them.
                "webAddress": match i % 4 {
                    0 => Value::String(format!("https://www.at-company-{i}.example/")),
                    1 => Value::String(format!("at-company-{i}.example")),
                    2 => Value::String(String::new()),
                    _ => Value::Null,
                },
            })
        })
        .collect()
}

/// Autotask: the webservices host (the second server) answers `zoneInformation?user=` with the
/// zone's URL (the main server, `…/atservicesrest/`); the zone needs the ApiIntegrationCode,
/// UserName and Secret headers; `Companies/query?search=` refuses (500) a search without a
/// filter and pages 500 records at a time with an absolute `pageDetails.nextPageUrl` (null on the
/// last page). Paths are matched case-insensitively, as Autotask's own are.
pub fn autotask(username: &str, secret: &str, integration_code: &str) -> Api {
    let creds = [("username", username), ("secret", secret), ("integration_code", integration_code)];
    let (api, fx) = Api::start(&creds, |fx| Router::new().fallback(autotask_zone).with_state(fx));
    api.with_second(Router::new().fallback(autotask_webservices).with_state(fx))
}

async fn autotask_webservices(State(fx): State<Arc<Fx>>, uri: Uri, Query(q): Params) -> Reply {
    if !uri.path().eq_ignore_ascii_case("/atservicesrest/v1.0/zoneinformation") {
        return not_found();
    }
    // Assumed: an unknown user is a 404 whose body says so.
    if q.get("user").is_none_or(|u| !u.eq_ignore_ascii_case(fx.cred("username"))) {
        let body = json!({ "errors": ["Zone information could not be determined"] });
        return Ok((StatusCode::NOT_FOUND, axum::Json(body)).into_response());
    }
    ok(
        json!({ "zoneName": "Fixture Zone", "url": format!("{}/atservicesrest/", fx.base()), "webUrl": "https://ww15.autotask.net/", "ci": 12 }),
    )
}

/// Whether a record passes one filter item (`eq`, `noteq`, `gte`, `exist`).
fn autotask_passes(item: &Value, record: &Value) -> Option<bool> {
    let field = item["field"].as_str()?;
    let found = record.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(field)).map(|(_, v)| v);
    Some(match item["op"].as_str()?.to_ascii_lowercase().as_str() {
        "eq" => found == Some(&item["value"]),
        "noteq" => found != Some(&item["value"]),
        "gte" => found.and_then(Value::as_f64)? >= item["value"].as_f64()?,
        "exist" => found.is_some_and(|v| !v.is_null()),
        _ => return None,
    })
}

async fn autotask_zone(State(fx): State<Arc<Fx>>, headers: HeaderMap, uri: Uri, Query(q): Params) -> Reply {
    let path = uri.path().to_ascii_lowercase();
    let next = match path.as_str() {
        "/atservicesrest/v1.0/companies/query" => false,
        "/atservicesrest/v1.0/companies/query/next" => true,
        _ => return not_found(),
    };
    fx.log(&uri);
    let expected = [("apiintegrationcode", "integration_code"), ("username", "username"), ("secret", "secret")];
    fx.api_headers(&headers, &expected)?;
    let refused = |why: &str| {
        Err(Refused(Box::new(
            (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({ "item": null, "errors": [why] }))).into_response(),
        )))
    };
    let Some(search) = q.get("search").and_then(|s| serde_json::from_str::<Value>(s).ok()) else {
        return refused("A search parameter with a filter is required.");
    };
    let filter = search["filter"].as_array().cloned().unwrap_or_default();
    if filter.is_empty() {
        return refused("Filter is required. Please provide at least one filter.");
    }
    let mut matching = Vec::new();
    for record in autotask_companies() {
        let mut pass = true;
        for item in &filter {
            match autotask_passes(item, &record) {
                Some(p) => pass &= p,
                None => return refused(&format!("unsupported filter {item}")),
            }
        }
        if pass {
            matching.push(record);
        }
    }
    let after = if next {
        match q.get("paging").and_then(|p| serde_json::from_str::<Value>(p).ok()).and_then(|p| p["lastId"].as_i64()) {
            Some(last) => last,
            None => return refused("paging is invalid"),
        }
    } else {
        i64::MIN
    };
    let rest: Vec<Value> = matching.into_iter().filter(|c| c["id"].as_i64().unwrap() > after).collect();
    let items: Vec<Value> = rest.iter().take(500).cloned().collect();
    let next_url = if rest.len() > items.len() {
        let last = items.last().unwrap()["id"].as_i64().unwrap();
        let mut url = url::Url::parse(&format!("{}/ATServicesRest/V1.0/Companies/query/next", fx.base())).unwrap();
        url.query_pairs_mut()
            .append_pair("paging", &json!({ "pageSize": 500, "lastId": last }).to_string())
            .append_pair("search", &search.to_string());
        Value::String(url.to_string())
    } else {
        Value::Null
    };
    ok(json!({
        "items": items,
        "pageDetails": { "count": items.len(), "requestCount": 500, "prevPageUrl": null, "nextPageUrl": next_url },
    }))
}

// ---------------------------------------------------------------------------------------------
// IT Glue

/// Every IT Glue organization: 2500, string IDs, every eighth not Active.
pub fn itglue_orgs() -> Vec<Value> {
    (0..2500)
        .map(|i| {
            let status = match i % 8 {
                3 => "Inactive",
                6 => "Prospect",
                _ => "Active",
            };
            json!({
                "id": (3_100_000 + 7 * i).to_string(),
                "type": "organizations",
                "attributes": {
                    "name": format!("Glue Org {i:04}"),
                    "organization-type-name": "Customer",
                    "organization-status-name": status,
                    "short-name": format!("go{i}"),
                },
            })
        })
        .collect()
}

/// IT Glue: `x-api-key`; JSON:API pages `page[number]` from 1 and `page[size]` ≤ 1000, with
/// `meta.total-pages`.
pub fn itglue(api_key: &str) -> Api {
    let (api, _) = Api::start(&[("api_key", api_key)], |fx| {
        Router::new().route("/organizations", get(itglue_list)).with_state(fx)
    });
    api
}

async fn itglue_list(State(fx): State<Arc<Fx>>, headers: HeaderMap, uri: Uri, Query(q): Params) -> Reply {
    fx.log(&uri);
    fx.api_headers(&headers, &[("x-api-key", "api_key")])?;
    let (page, size) = (number(&q, "page[number]")?.unwrap_or(1).max(1), number(&q, "page[size]")?.unwrap_or(50));
    if size == 0 || size > 1000 {
        return Err(bad("page[size] is 1 to 1000"));
    }
    let all = itglue_orgs();
    let total_pages = all.len().div_ceil(size);
    let data: Vec<Value> = all.iter().skip((page - 1) * size).take(size).cloned().collect();
    ok(json!({
        "data": data,
        "meta": {
            "current-page": page,
            "next-page": if page < total_pages { json!(page + 1) } else { Value::Null },
            "prev-page": if page > 1 { json!(page - 1) } else { Value::Null },
            "total-pages": total_pages,
            "total-count": all.len(),
            "filters": {},
        },
        "links": {},
    }))
}

// ---------------------------------------------------------------------------------------------
// Hudu

/// Every Hudu company: 250, every ninth archived, one without a name.
pub fn hudu_companies() -> Vec<Value> {
    (0..250)
        .map(|i| {
            let name = if i == 77 { Value::Null } else { json!(format!("Hudu Company {i:03}")) };
            json!({ "id": 40 + i, "name": name, "nickname": "", "archived": i % 9 == 4, "id_in_integration": null })
        })
        .collect()
}

/// Hudu: `x-api-key` on `/api/v1/companies?page=N&page_size=S`, pages from 1 (25 a page by
/// default); a page past the end is empty.
pub fn hudu(api_key: &str) -> Api {
    let (api, _) = Api::start(&[("api_key", api_key)], |fx| {
        Router::new().route("/api/v1/companies", get(hudu_list)).with_state(fx)
    });
    api
}

async fn hudu_list(State(fx): State<Arc<Fx>>, headers: HeaderMap, uri: Uri, Query(q): Params) -> Reply {
    fx.log(&uri);
    fx.api_headers(&headers, &[("x-api-key", "api_key")])?;
    let (page, size) = (number(&q, "page")?.unwrap_or(1).max(1), number(&q, "page_size")?.unwrap_or(25).clamp(1, 1000));
    let companies: Vec<Value> = hudu_companies().into_iter().skip((page - 1) * size).take(size).collect();
    ok(json!({ "companies": companies }))
}

// ---------------------------------------------------------------------------------------------
// Datto RMM

/// Every Datto RMM site: 625 customer sites and the system site "Deleted Devices" (on page 0).
pub fn datto_sites() -> Vec<Value> {
    let mut sites: Vec<Value> = (0..625u64)
        .map(|i| {
            json!({
                "id": 7000 + i,
                "uid": format!("{:08x}-1c2d-4e5f-9a0b-{:012x}", 0xd0_00_00_00 + i * 31, 0x5173_0000 + i),
                "accountUid": "fixture-acct",
                "name": format!("Datto Site {i:03}"),
                "onDemand": false,
                // Sites linked to an Autotask company carry its ID.
                "autotaskCompanyId": if i % 3 == 0 { Value::from(29_683_000 + 2 * i) } else { Value::Null },
                "autotaskCompanyName": if i % 3 == 0 { Value::String(format!("AT Company {i:04}")) } else { Value::Null },
            })
        })
        .collect();
    sites.insert(
        100,
        json!({ "id": 6999, "uid": "deleted-devices-0000-site", "accountUid": "fixture-acct", "name": "Deleted Devices", "onDemand": false }),
    );
    sites
}

/// Datto RMM: the password grant at `/auth/oauth/token` with client auth Basic
/// `public-client:public` and the API key and secret as username and password; sites pages count
/// from 0 (`max` ≤ 250).
pub fn datto_rmm(api_key: &str, api_secret: &str) -> Api {
    let (api, _) = Api::start(&[("api_key", api_key), ("api_secret", api_secret)], |fx| {
        Router::new()
            .route("/auth/oauth/token", post(datto_token))
            .route("/api/v2/account/sites", get(datto_list))
            .with_state(fx)
    });
    api
}

async fn datto_token(State(fx): State<Arc<Fx>>, headers: HeaderMap, body: String) -> Reply {
    fx.token_requests.hit();
    if basic(&headers) != Some(("public-client".into(), "public".into())) {
        return Err(refuse("client authentication failed", &header(&headers, "authorization").unwrap_or_default()));
    }
    let form = form(&headers, &body)?;
    let field = |key: &str| form.get(key).cloned().unwrap_or_default();
    if field("grant_type") != "password" {
        return Err(bad(&format!("unsupported grant_type {:?}", field("grant_type"))));
    }
    if field("username") != fx.cred("api_key") || field("password") != fx.cred("api_secret") {
        return Err(refuse("Bad credentials", &format!("{}:{}", field("username"), field("password"))));
    }
    let token = fx.issue("datto");
    let refresh = fx.issue("datto-refresh");
    ok(
        json!({ "access_token": token, "token_type": "bearer", "refresh_token": refresh, "expires_in": 359_999, "scope": "default" }),
    )
}

async fn datto_list(State(fx): State<Arc<Fx>>, headers: HeaderMap, uri: Uri, Query(q): Params) -> Reply {
    fx.log(&uri);
    fx.bearer(&headers)?;
    let (page, max) = (number(&q, "page")?.unwrap_or(0), number(&q, "max")?.unwrap_or(250));
    if max == 0 || max > 250 {
        return Err(bad("max is 1 to 250"));
    }
    let all = datto_sites();
    let sites: Vec<Value> = all.iter().skip(page * max).take(max).cloned().collect();
    let link = |p: usize| format!("{}/api/v2/account/sites?page={p}&max={max}", fx.base());
    let next = if (page + 1) * max < all.len() { json!(link(page + 1)) } else { Value::Null };
    let prev = if page > 0 { json!(link(page - 1)) } else { Value::Null };
    ok(json!({
        "pageDetails": { "count": sites.len(), "totalCount": all.len(), "prevPageUrl": prev, "nextPageUrl": next },
        "sites": sites,
    }))
}
