//! Walking a paginated list: page numbers, offsets, keyset cursors, next links in the body or in
//! a `Link` header. When the total is known after the first page, the rest is fetched
//! concurrently (bounded by the integration's `concurrency`); a page cap stops lists that loop.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::stream::{self, StreamExt, TryStreamExt};
use reqwest::Url;
use reqwest::header::HeaderMap;
use serde_json::Value;

use super::http::{Prepared, Session};
use super::records::{self, first};
use super::{FetchError, Progress};
use crate::config::requests::{HttpSource, Pagination, RecordsSpec};
use crate::domain::ExternalOrg;

struct Walk<'s, 'a> {
    session: &'s Session<'a>,
    http: &'s HttpSource,
    progress: &'s dyn Progress,
    pages: AtomicU64,
    records: AtomicU64,
    total_pages: Option<u64>,
}

/// One page: its organizations and how many records it had before `exclude` (for short-page
/// detection), with the raw body and headers for the next-page logic.
struct Page {
    orgs: Vec<ExternalOrg>,
    raw_count: u64,
    body: Value,
    headers: HeaderMap,
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
        let (body, headers) = self.session.fetch_json(prepared, true).await?;
        let (orgs, raw_count) = self.extract(&prepared.url, &body)?;
        let pages = self.pages.fetch_add(1, Ordering::Relaxed) + 1;
        let records = self.records.fetch_add(orgs.len() as u64, Ordering::Relaxed) + orgs.len() as u64;
        self.progress.update(pages, records, self.total_pages);
        Ok(Page { orgs, raw_count, body, headers })
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
        stream::iter(queries.into_iter().map(|q| self.get_with(q)))
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
    let mut walk =
        Walk { session, http, progress, pages: AtomicU64::new(0), records: AtomicU64::new(0), total_pages: None };
    let cap = session.integration.max_pages;
    let mut orgs = Vec::new();
    match &http.pagination {
        Pagination::None => orgs = walk.get(&first_request).await?.orgs,
        Pagination::Page { param, start, size_param, size, total_count, total_pages } => {
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
                    orgs.extend(page.orgs);
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
        Pagination::Offset { offset_param, limit_param, limit, total_count } => {
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
        Pagination::Keyset { param, size_param, size, cursor } => {
            let mut query: Vec<(String, String)> = size_param.iter().map(|n| (n.clone(), size.to_string())).collect();
            let mut pages = 0;
            let mut previous_cursor: Option<String> = None;
            loop {
                walk.check_cap(pages)?;
                let page = walk.get_with(query.clone()).await?;
                pages += 1;
                let nodes = records::record_nodes(&http.records, &page.body).unwrap_or_default();
                let next_cursor = nodes.last().and_then(|last| match first(cursor, last) {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                });
                let short = page.raw_count < *size;
                orgs.extend(page.orgs);
                if next_cursor.is_some() && next_cursor == previous_cursor {
                    return Err(FetchError::new(format!(
                        "the list repeats its last page (cursor {}): it loops",
                        next_cursor.unwrap_or_default()
                    )));
                }
                previous_cursor = next_cursor.clone();
                match next_cursor {
                    Some(next) if !short => {
                        query.retain(|(k, _)| k != param);
                        query.push((param.clone(), next));
                    }
                    _ => break,
                }
            }
        }
        Pagination::NextUrl { path } => {
            orgs = follow_links(&walk, first_request, |page| match first(path, &page.body) {
                Some(Value::String(next)) if !next.trim().is_empty() => Some(next.trim().to_owned()),
                _ => None,
            })
            .await?;
        }
        Pagination::LinkHeader => {
            orgs = follow_links(&walk, first_request, |page| next_from_link_header(&page.headers)).await?;
        }
    }
    Ok(orgs)
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
    for value in headers.get_all("link") {
        let Ok(text) = value.to_str() else { continue };
        for link in text.split(',') {
            let mut parts = link.split(';');
            let target = parts.next()?.trim();
            let is_next = parts.any(|p| {
                let p = p.trim().to_ascii_lowercase().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            if is_next && target.starts_with('<') && target.ends_with('>') {
                return Some(target[1..target.len() - 1].to_owned());
            }
        }
    }
    None
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
}
