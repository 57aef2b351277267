//! Walking a paginated list: page numbers, offsets, keyset cursors, next links in the body or in
//! a `Link` header. When the total is known after the first page, the rest is fetched
//! concurrently (bounded by the integration's `concurrency`); a page cap stops lists that loop.
//!
//! A list that stops early is the commonest failure of such walks (a 0-based API read from page
//! 1 loses its first page without a sound), so every walk ends with a check: when the first answer
//! announces a total — the configured `total_count` or `total_pages`, or a well-known field such
//! as `totalElements` or `page.totalPages` — the records fetched must match it, a last page that
//! is exactly full is probed once more, and a full keyset page must give a cursor. A list that
//! fails the check is an error, or a warning with `pagination.on_short = "warn"`.

use std::collections::HashSet;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::stream::{self as futures_stream, StreamExt, TryStreamExt};
use reqwest::Url;
use reqwest::header::HeaderMap;
use serde_json::Value;

use super::http::{Prepared, Session};
use super::records::{self, first};
use super::{FetchError, Progress};
use crate::config::requests::{HttpSource, OnShort, Pagination, RecordsSpec};
use crate::domain::ExternalOrg;

struct Walk<'s, 'a> {
    session: &'s Session<'a>,
    http: &'s HttpSource,
    progress: &'s dyn Progress,
    pages: AtomicU64,
    records: AtomicU64,
    /// Records found on all pages, before `exclude`: what an announced total counts.
    raw: AtomicU64,
    total_pages: Option<u64>,
    /// The totals the first answer announced.
    announced: OnceLock<Announced>,
}

/// A total that the first answer announced, and where it was read.
#[derive(Debug, Clone, Default)]
struct Announced {
    count: Option<(u64, String)>,
    pages: Option<(u64, String)>,
}

/// Fields that carry a list's total record count in common APIs (Pax8's `page.totalElements`,
/// Datto's `pageDetails.totalCount`, Graph's `@odata.count`, IT Glue's `meta.total-count`), at the
/// top of an answer or in one of [`CONTAINERS`]. Only numbers count.
const COUNT_KEYS: [&str; 11] = [
    "totalElements",
    "totalCount",
    "total_count",
    "totalRecords",
    "total_records",
    "totalResults",
    "total_results",
    "record_count",
    "recordCount",
    "total-count",
    "@odata.count",
];
const PAGE_KEYS: [&str; 4] = ["totalPages", "total_pages", "total-pages", "pageCount"];
const CONTAINERS: [&str; 5] = ["page", "meta", "pagination", "pageDetails", "paging"];

/// A well-known total in `body`: `(value, JSONPath)`.
fn well_known(body: &Value, keys: &[&str], bare_total: bool) -> Option<(u64, String)> {
    let object = body.as_object()?;
    for key in keys {
        if let Some(n) = object.get(*key).and_then(Value::as_u64) {
            return Some((n, format!("$['{key}']")));
        }
    }
    for container in CONTAINERS {
        let Some(inner) = object.get(container).and_then(Value::as_object) else { continue };
        let total = if bare_total { Some("total") } else { None };
        for key in keys.iter().copied().chain(total) {
            if let Some(n) = inner.get(key).and_then(Value::as_u64) {
                return Some((n, format!("$.{container}['{key}']")));
            }
        }
    }
    None
}

/// What the first answer says about the whole list.
fn announce(http: &HttpSource, body: &Value) -> Announced {
    let configured = |path: Option<&crate::config::requests::JsonPath>| {
        path.and_then(|p| number(Some(p), body).map(|n| (n, p.source.clone())))
    };
    let (count_path, pages_path) = match &http.pagination {
        Pagination::Page { total_count, total_pages, .. } => (total_count.as_ref(), total_pages.as_ref()),
        Pagination::Offset { total_count, .. } => (total_count.as_ref(), None),
        _ => (None, None),
    };
    let mut announced = Announced { count: configured(count_path), pages: configured(pages_path) };
    // A records path with a filter keeps only some of the records a total counts.
    let guess = !http.records.path.source.contains('?');
    if guess && announced.count.is_none() && count_path.is_none() {
        announced.count = well_known(body, &COUNT_KEYS, true);
    }
    if guess && announced.pages.is_none() && pages_path.is_none() {
        announced.pages = well_known(body, &PAGE_KEYS, false);
    }
    announced
}

/// One page: its organizations and how many records it had before `exclude` (for short-page
/// detection), with the raw body and headers for the next-page logic.
struct Page {
    orgs: Vec<ExternalOrg>,
    raw_count: u64,
    /// The answer; when its records were read one by one, without them.
    body: Value,
    headers: HeaderMap,
    /// The last record, when the records were read one by one (for a keyset cursor).
    last: Option<Value>,
}

impl Walk<'_, '_> {
    fn extract(&self, url: &Url, body: &Value) -> Result<(Vec<ExternalOrg>, u64), FetchError> {
        let spec: &RecordsSpec = &self.http.records;
        let nodes = records::record_nodes(spec, body).map_err(|what| self.bad_answer(url, &what))?;
        let raw_count = nodes.len() as u64;
        let mut orgs = Vec::with_capacity(nodes.len());
        for (index, node) in nodes.into_iter().enumerate() {
            if let Some(org) = records::to_org(spec, node, index).map_err(|what| self.bad_answer(url, &what))? {
                orgs.push(org);
            }
        }
        Ok((orgs, raw_count))
    }

    fn bad_answer(&self, url: &Url, what: &str) -> FetchError {
        FetchError::new(format!("unexpected answer from {}: {what}", self.session.shown(url)))
            .with_hint("check list_organizations.records in integrations.toml against what the API returns")
    }

    async fn get(&self, prepared: &Prepared) -> Result<Page, FetchError> {
        let (headers, bytes) = self.session.fetch(prepared, true).await?;
        let (body, orgs, raw_count, last) = match stream::records(&self.http.records, &bytes) {
            Some(streamed) => streamed,
            None => {
                let body = self.session.answer_json(prepared, &headers, &bytes)?;
                let (orgs, raw_count) = self.extract(&prepared.url, &body)?;
                (body, orgs, raw_count, None)
            }
        };
        drop(bytes);
        let pages = self.pages.fetch_add(1, Ordering::Relaxed) + 1;
        if pages == 1 {
            let _ = self.announced.set(announce(self.http, &body));
        }
        self.raw.fetch_add(raw_count, Ordering::Relaxed);
        let records = self.records.fetch_add(orgs.len() as u64, Ordering::Relaxed) + orgs.len() as u64;
        self.progress.update(pages, records, self.total_pages);
        Ok(Page { orgs, raw_count, body, headers, last })
    }

    async fn get_with(&self, query: Vec<(String, String)>) -> Result<Page, FetchError> {
        let prepared = self.session.prepare(&self.http.request(), &query)?;
        self.get(&prepared).await
    }

    fn check_cap(&self, pages: u64) -> Result<(), FetchError> {
        let cap = self.session.integration.max_pages;
        if pages >= cap {
            return Err(FetchError::new(format!(
                "stopped after {cap} pages: the list does not end (a next link that loops?)"
            ))
            .with_hint("raise max_pages for this integration if the list really is that long"));
        }
        Ok(())
    }

    /// Fetches the pages whose queries are given, `concurrency` at a time, in order.
    async fn fetch_many(&self, queries: Vec<Vec<(String, String)>>) -> Result<Vec<Page>, FetchError> {
        futures_stream::iter(queries.into_iter().map(|q| self.get_with(q)))
            .buffered(self.session.integration.concurrency)
            .try_collect()
            .await
    }
}

fn number(path: Option<&crate::config::requests::JsonPath>, body: &Value) -> Option<u64> {
    match first(path?, body)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Every external organization of the list, page by page.
pub async fn fetch_all(
    session: &Session<'_>,
    http: &HttpSource,
    progress: &dyn Progress,
) -> Result<Vec<ExternalOrg>, FetchError> {
    let first_request = session.prepare(&http.request(), &[])?;
    session.trust_origin(&first_request.url);
    let mut walk = Walk {
        session,
        http,
        progress,
        pages: AtomicU64::new(0),
        records: AtomicU64::new(0),
        raw: AtomicU64::new(0),
        total_pages: None,
        announced: OnceLock::new(),
    };
    let cap = session.integration.max_pages;
    let mut orgs = Vec::new();
    // Why the list may be short although its pages said nothing, found while walking.
    let mut short: Option<String> = None;
    match &http.pagination {
        Pagination::None { .. } => orgs = walk.get(&first_request).await?.orgs,
        Pagination::Page { param, start, size_param, size, total_count, total_pages, .. } => {
            let query = |page: u64| {
                let mut q = vec![(param.clone(), page.to_string())];
                if let (Some(name), Some(size)) = (size_param, size) {
                    q.push((name.clone(), size.to_string()));
                }
                q
            };
            let first_page = walk.get_with(query(*start)).await?;
            let known = number(total_pages.as_ref(), &first_page.body).or_else(|| {
                let count = number(total_count.as_ref(), &first_page.body)?;
                size.filter(|s| *s > 0).map(|s| count.div_ceil(s))
            });
            let mut last = first_page.raw_count;
            orgs.extend(first_page.orgs);
            if let Some(total) = known {
                if total > cap {
                    walk.check_cap(total)?;
                }
                walk.total_pages = Some(total);
                let rest: Vec<_> = (1..total).map(|i| query(start + i)).collect();
                for page in walk.fetch_many(rest).await? {
                    last = page.raw_count;
                    orgs.extend(page.orgs);
                }
                // A last page that is exactly full may not be the last: ask for one more.
                if let Some(size) = size.filter(|s| *s > 0 && last >= *s && total > 0)
                    && walk.announced.get().and_then(|a| a.count.as_ref()).is_none()
                {
                    let beyond = walk.get_with(query(start + total)).await?;
                    if beyond.raw_count > 0 {
                        short = Some(format!(
                            "the answers announced {total} pages, but page {} (after a full page of {size}) has {} more records",
                            start + total,
                            beyond.raw_count
                        ));
                    }
                }
            } else {
                let mut page = *start;
                while last > 0 && size.is_none_or(|s| last >= s) {
                    walk.check_cap(page - start + 1)?;
                    page += 1;
                    let next = walk.get_with(query(page)).await?;
                    last = next.raw_count;
                    orgs.extend(next.orgs);
                }
            }
        }
        Pagination::Offset { offset_param, limit_param, limit, total_count, .. } => {
            let query = |offset: u64| {
                vec![(offset_param.clone(), offset.to_string()), (limit_param.clone(), limit.to_string())]
            };
            let first_page = walk.get_with(query(0)).await?;
            let known = number(total_count.as_ref(), &first_page.body);
            let mut last = first_page.raw_count;
            orgs.extend(first_page.orgs);
            let limit = (*limit).max(1);
            if let Some(count) = known {
                let total = count.div_ceil(limit);
                if total > cap {
                    walk.check_cap(total)?;
                }
                walk.total_pages = Some(total);
                let rest: Vec<_> = (1..total).map(|i| query(i * limit)).collect();
                for page in walk.fetch_many(rest).await? {
                    orgs.extend(page.orgs);
                }
            } else {
                let mut pages = 1;
                while last >= limit {
                    walk.check_cap(pages)?;
                    let next = walk.get_with(query(pages * limit)).await?;
                    pages += 1;
                    last = next.raw_count;
                    orgs.extend(next.orgs);
                }
            }
        }
        Pagination::Keyset { param, size_param, size, cursor, .. } => {
            let mut query: Vec<(String, String)> = size_param.iter().map(|n| (n.clone(), size.to_string())).collect();
            let mut pages = 0;
            let mut previous_cursor: Option<String> = None;
            loop {
                walk.check_cap(pages)?;
                let page = walk.get_with(query.clone()).await?;
                pages += 1;
                let nodes = records::record_nodes(&http.records, &page.body).unwrap_or_default();
                let last_record = page.last.as_ref().or(nodes.last().copied());
                let next_cursor = last_record.and_then(|last| match first(cursor, last) {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                });
                let short_page = page.raw_count < *size;
                orgs.extend(page.orgs);
                if next_cursor.is_some() && next_cursor == previous_cursor {
                    return Err(FetchError::new(format!(
                        "the list repeats its last page (cursor {}): it loops",
                        next_cursor.unwrap_or_default()
                    )));
                }
                previous_cursor = next_cursor.clone();
                match next_cursor {
                    Some(next) if !short_page => {
                        query.retain(|(k, _)| k != param);
                        query.push((param.clone(), next));
                    }
                    None if !short_page && *size > 0 => {
                        short = Some(format!(
                            "page {pages} was full ({size} records) but its last record has no cursor at {} to continue after",
                            cursor.source
                        ));
                        break;
                    }
                    _ => break,
                }
            }
        }
        Pagination::NextUrl { path, .. } => {
            orgs = follow_links(&walk, first_request, |page| match first(path, &page.body) {
                Some(Value::String(next)) if !next.trim().is_empty() => Some(next.trim().to_owned()),
                _ => None,
            })
            .await?;
        }
        Pagination::LinkHeader { .. } => {
            orgs = follow_links(&walk, first_request, |page| next_from_link_header(&page.headers)).await?;
        }
    }
    walk.check_complete(short)?;
    Ok(orgs)
}

impl Walk<'_, '_> {
    /// Fails (or warns, with `on_short = "warn"`) when the list fetched is not the one announced.
    fn check_complete(&self, short: Option<String>) -> Result<(), FetchError> {
        let raw = self.raw.load(Ordering::Relaxed);
        let pages = self.pages.load(Ordering::Relaxed);
        let announced = self.announced.get().cloned().unwrap_or_default();
        let size = match &self.http.pagination {
            Pagination::Page { size, .. } => *size,
            Pagination::Offset { limit, .. } => Some(*limit),
            Pagination::Keyset { size, .. } => Some(*size),
            _ => None,
        };
        let got = format!("{raw} records in {pages} page{}", if pages == 1 { "" } else { "s" });
        let problem = if let Some((count, path)) = &announced.count
            && *count != raw
        {
            Some(format!("the list announced {count} records ({path}), but {got} were fetched"))
        } else if let (Some((total, path)), Some(size)) = (&announced.pages, size.filter(|s| *s > 0))
            && announced.count.is_none()
            && raw <= total.saturating_sub(1) * size
        {
            Some(format!(
                "the list announced {total} pages of up to {size} ({path}), so more than {} records, but {got} were fetched",
                total.saturating_sub(1) * size
            ))
        } else {
            short.map(|why| format!("{why}; {got} were fetched"))
        };
        let Some(problem) = problem else { return Ok(()) };
        let mut hint = String::from("check pagination in integrations.toml against the API's documentation");
        if let Pagination::Page { start, .. } = &self.http.pagination
            && raw < announced.count.as_ref().map_or(u64::MAX, |(c, _)| *c)
        {
            hint = format!(
                "check pagination.start: this list was read from page {start}; does the API count pages from {}?",
                1 - (*start).min(1)
            );
        }
        match self.http.pagination.on_short() {
            OnShort::Fail => Err(FetchError::new(format!("the list is incomplete: {problem}")).with_hint(format!(
                "{hint}; to accept such a list with a warning, set pagination.on_short = \"warn\""
            ))),
            OnShort::Warn => {
                self.progress.warn(&format!(
                    "{}: the list may be incomplete: {problem} (accepted: pagination.on_short = \"warn\")",
                    self.session.integration.name
                ));
                Ok(())
            }
        }
    }
}

/// Follows next links until there are none; a link seen before, or the page cap, stops it with
/// an error. Links to another origin get no credentials.
async fn follow_links(
    walk: &Walk<'_, '_>,
    first_request: Prepared,
    next_of: impl Fn(&Page) -> Option<String>,
) -> Result<Vec<ExternalOrg>, FetchError> {
    let mut orgs = Vec::new();
    let mut seen = HashSet::new();
    let origin = first_request.url.origin();
    let mut request = first_request;
    let mut pages = 0;
    loop {
        walk.check_cap(pages)?;
        seen.insert(request.url.to_string());
        let page = walk.get(&request).await?;
        pages += 1;
        let next = next_of(&page);
        orgs.extend(page.orgs);
        let Some(next) = next else { break };
        let url = request.url.join(&next).map_err(|err| {
            FetchError::new(format!("the next-page link {:?} is not a URL: {err}", walk.session.redactor.redact(&next)))
        })?;
        if !seen.insert(url.to_string()) {
            return Err(FetchError::new(format!(
                "the next-page link of {} points back to a page already read: the list loops",
                walk.session.shown(&request.url)
            ))
            .with_hint("this is a bug in the external system's pagination; report it to its vendor"));
        }
        seen.remove(&url.to_string());
        // The configured headers may carry secrets: they go only to the list's own origin.
        // So may the body: it is sent again only to the same origin.
        let same_origin = url.origin() == origin;
        let headers = if same_origin { request.headers.clone() } else { Vec::new() };
        let body = if same_origin { request.body.clone() } else { None };
        request = Prepared {
            method: request.method,
            url,
            headers,
            body,
            carries_secret: same_origin && request.carries_secret,
        };
    }
    Ok(orgs)
}

/// The `rel="next"` target of a `Link` header.
fn next_from_link_header(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("link")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(parse_link_header)
        .find(|link| link.rels.iter().any(|rel| rel.eq_ignore_ascii_case("next")))
        .map(|link| link.target)
}

/// One link of a `Link` header: its target and relation types.
#[derive(Debug, PartialEq)]
struct Link {
    target: String,
    rels: Vec<String>,
}

/// The links of a `Link` header value (RFC 8288 §3): `<target>; name=value; …`, separated by
/// commas. A comma inside the target or a quoted parameter (`title="a, b"`) separates nothing,
/// and a quoted value may escape a character with a backslash. A malformed link ends the parse:
/// the links before it are kept.
fn parse_link_header(text: &str) -> Vec<Link> {
    let mut links = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_ascii_whitespace());
        let Some(after) = rest.strip_prefix('<') else { return links };
        let Some(end) = after.find('>') else { return links };
        let mut link = Link { target: after[..end].to_owned(), rels: Vec::new() };
        rest = &after[end + 1..];
        // Parameters until the comma that ends this link.
        loop {
            rest = rest.trim_start();
            let Some(after) = rest.strip_prefix(';') else { break };
            let after = after.trim_start();
            let name_end = after.find(|c: char| c == '=' || c == ';' || c == ',' || c.is_ascii_whitespace());
            let (name, tail) = after.split_at(name_end.unwrap_or(after.len()));
            rest = tail.trim_start();
            let mut value = String::new();
            if let Some(tail) = rest.strip_prefix('=') {
                let tail = tail.trim_start();
                if let Some(quoted) = tail.strip_prefix('"') {
                    let mut chars = quoted.char_indices();
                    let mut closed = None;
                    while let Some((i, c)) = chars.next() {
                        match c {
                            '\\' => value.extend(chars.next().map(|(_, c)| c)),
                            '"' => {
                                closed = Some(i + 1);
                                break;
                            }
                            c => value.push(c),
                        }
                    }
                    let Some(closed) = closed else { return links };
                    rest = &quoted[closed..];
                } else {
                    let end = tail.find([';', ',']).unwrap_or(tail.len());
                    value = tail[..end].trim().to_owned();
                    rest = &tail[end..];
                }
            }
            if name.eq_ignore_ascii_case("rel") && link.rels.is_empty() {
                link.rels = value.split_ascii_whitespace().map(str::to_owned).collect();
            }
        }
        links.push(link);
        if !rest.starts_with(',') {
            return links;
        }
    }
}

/// Reading a list answer record by record. Parsed whole, a list of 10^6 organizations took
/// about 700 MB (each JSON object an ordered map with room to spare) before a single record was
/// kept; read one record at a time into its organization, the same list peaks near the size of
/// the answer plus the organizations kept. Only plain records paths (`$[*]`, `$.a.b[*]`) are read
/// so; anything unexpected — another shape, a bad record, invalid JSON — returns `None`, and the
/// answer is parsed whole to report it as before.
pub(crate) mod stream {
    use std::fmt;

    use serde::Deserializer;
    use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Value};

    use crate::config::requests::RecordsSpec;
    use crate::domain::ExternalOrg;
    use crate::providers::records;

    /// The answer without its records, the organizations, how many records there were, and the
    /// last record.
    pub(crate) type Streamed = (Value, Vec<ExternalOrg>, u64, Option<Value>);

    /// The object keys leading to the records array of a plain path, or `None`.
    fn segments(path: &str) -> Option<Vec<&str>> {
        let inner = path.trim().strip_prefix('$')?.strip_suffix("[*]")?;
        if inner.is_empty() {
            return Some(Vec::new());
        }
        let keys: Vec<&str> = inner.strip_prefix('.')?.split('.').collect();
        let plain = |k: &&str| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        keys.iter().all(plain).then_some(keys)
    }

    pub(crate) fn records(spec: &RecordsSpec, body: &[u8]) -> Option<Streamed> {
        let keys = segments(&spec.path.source)?;
        let start = body.iter().find(|b| !b.is_ascii_whitespace())?;
        if !matches!(start, b'[' | b'{') {
            return None;
        }
        let mut state = State { spec, orgs: Vec::new(), raw: 0, last: None };
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        let rest = Level { keys: &keys, state: &mut state }.deserialize(&mut deserializer).ok()?;
        deserializer.end().ok()?;
        Some((rest, state.orgs, state.raw, state.last))
    }

    struct State<'s> {
        spec: &'s RecordsSpec,
        orgs: Vec<ExternalOrg>,
        raw: u64,
        last: Option<Value>,
    }

    /// One level of the path: the records array when no key is left, else an object.
    struct Level<'k, 'a, 's> {
        keys: &'k [&'k str],
        state: &'a mut State<'s>,
    }

    impl<'de> DeserializeSeed<'de> for Level<'_, '_, '_> {
        type Value = Value;

        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
            if self.keys.is_empty() { deserializer.deserialize_seq(self) } else { deserializer.deserialize_map(self) }
        }
    }

    impl<'de> Visitor<'de> for Level<'_, '_, '_> {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(if self.keys.is_empty() { "the records array" } else { "an object on the records path" })
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            if !self.keys.is_empty() {
                return Err(de::Error::custom("not an object"));
            }
            let state = self.state;
            while let Some(record) = seq.next_element::<Value>()? {
                let org = records::to_org(state.spec, &record, state.raw as usize).map_err(de::Error::custom)?;
                state.orgs.extend(org);
                state.raw += 1;
                state.last = Some(record);
            }
            Ok(Value::Array(Vec::new()))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let Some((key, deeper)) = self.keys.split_first() else {
                return Err(de::Error::custom("not an array"));
            };
            let state = self.state;
            let mut rest = Map::new();
            let mut found = false;
            while let Some(name) = map.next_key::<String>()? {
                if name == *key {
                    if found {
                        // A repeated key: the whole parse decides which one counts.
                        map.next_value::<IgnoredAny>()?;
                        return Err(de::Error::custom("a repeated key on the records path"));
                    }
                    found = true;
                    let value = map.next_value_seed(Level { keys: deeper, state: &mut *state })?;
                    rest.insert(name, value);
                } else {
                    let value = map.next_value::<Value>()?;
                    rest.insert(name, value);
                }
            }
            if !found {
                return Err(de::Error::custom("the records path is missing"));
            }
            Ok(Value::Object(rest))
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn only_plain_paths_are_streamed() {
            assert_eq!(segments("$[*]"), Some(vec![]));
            assert_eq!(segments("$.data[*]"), Some(vec!["data"]));
            assert_eq!(segments("$.a.b-c[*]"), Some(vec!["a", "b-c"]));
            assert_eq!(segments("$.data[?@.on][*]"), None);
            assert_eq!(segments("$..data[*]"), None);
            assert_eq!(segments("$.data"), None);
            assert_eq!(segments("$['@odata'][*]"), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_give_the_next_page() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "link",
            "<https://x/companies?page=1>; rel=\"prev\", <https://x/companies?page=3>; rel=\"next\"".parse().unwrap(),
        );
        assert_eq!(next_from_link_header(&headers).as_deref(), Some("https://x/companies?page=3"));
        headers.insert("link", "<https://x/companies?page=1>; rel=\"first\"".parse().unwrap());
        assert_eq!(next_from_link_header(&headers), None);
    }

    #[test]
    // Regression: the Link header was split on every comma, so a quoted comma broke it
    fn link_headers_with_commas_in_quotes_and_targets_are_parsed_whole() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "link",
            "<https://x/a?ids=1,2>; rel=\"prev\"; title=\"page 1, the first; \\\"old\\\"\", <https://x/a?ids=3,4>; title=\"next, please\"; rel=\"next last\""
                .parse()
                .unwrap(),
        );
        assert_eq!(next_from_link_header(&headers).as_deref(), Some("https://x/a?ids=3,4"));
        let links = parse_link_header("<u1>; rel=next, <u2>;rel=\"prev\" ,<u3>; REL=\"Next\"");
        assert_eq!(
            links,
            [
                Link { target: "u1".into(), rels: vec!["next".into()] },
                Link { target: "u2".into(), rels: vec!["prev".into()] },
                Link { target: "u3".into(), rels: vec!["Next".into()] },
            ]
        );
        assert_eq!(parse_link_header("<u1>; rel=\"next, <u2>; rel=next"), [], "an unclosed quote ends the parse");
        assert_eq!(parse_link_header("no link"), []);
    }
}
