//! Bitbucket's paged lists: `?page=N&pagelen=M` in, `{pagelen, values, next?, ...}` out,
//! where `next` is an absolute URL clients follow as it is.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::state::AppState;

const DEFAULT_PAGELEN: usize = 10;
const MAX_PAGELEN: usize = 100;

/// The request's query parameters and the page it asks for.
#[derive(Debug, Clone)]
pub struct Pager {
    url: String,
    params: Vec<(String, String)>,
    pub page: usize,
    pub pagelen: usize,
}

impl FromRequestParts<Arc<AppState>> for Pager {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self> {
        Pager::from_parts(parts, state, DEFAULT_PAGELEN, MAX_PAGELEN)
    }
}

/// The pages of a diffstat, which are longer: 500 by default, up to 5,000 (the spec's
/// `paginated_diffstats`).
#[derive(Debug, Clone)]
pub struct LongPager(pub Pager);

impl FromRequestParts<Arc<AppState>> for LongPager {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self> {
        Pager::from_parts(parts, state, 500, 5000).map(LongPager)
    }
}

impl Pager {
    fn from_parts(
        parts: &Parts,
        state: &AppState,
        default_pagelen: usize,
        max_pagelen: usize,
    ) -> Result<Self> {
        let params: Vec<(String, String)> =
            form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let number = |name: &str, default: usize| -> Result<usize> {
            match params.iter().find(|(k, _)| k == name) {
                None => Ok(default),
                Some((_, v)) => v
                    .parse()
                    .map_err(|_| Error::bad_field(name, format!("Invalid {name}: {v}"))),
            }
        };
        let page = number("page", 1)?;
        let pagelen = number("pagelen", default_pagelen)?;
        if page == 0 {
            return Err(Error::bad_field("page", "page must be 1 or more"));
        }
        if !(1..=max_pagelen).contains(&pagelen) {
            return Err(Error::bad_field(
                "pagelen",
                format!("pagelen must be between 1 and {max_pagelen}"),
            ));
        }
        Ok(Pager {
            url: state.urls.web(parts.uri.path()),
            params,
            page,
            pagelen,
        })
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeatable parameter, in order.
    pub fn params<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.params
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn offset(&self) -> usize {
        (self.page - 1) * self.pagelen
    }

    fn link_to(&self, page: usize) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in self.params.iter().filter(|(k, _)| k != "page") {
            query.append_pair(key, value);
        }
        query.append_pair("page", &page.to_string());
        format!("{}?{}", self.url, query.finish())
    }

    /// One page of a list held whole in memory, with `size` and `page`.
    pub fn page_of(&self, all: Vec<Value>) -> Value {
        let size = all.len();
        let values: Vec<Value> = all
            .into_iter()
            .skip(self.offset())
            .take(self.pagelen)
            .collect();
        let mut page =
            json!({ "size": size, "page": self.page, "pagelen": self.pagelen, "values": values });
        if self.offset() + self.pagelen < size {
            page["next"] = json!(self.link_to(self.page + 1));
        }
        if self.page > 1 {
            page["previous"] = json!(self.link_to(self.page - 1));
        }
        page
    }

    /// One page of a list too costly to count (git history): the caller fetched up to
    /// `pagelen + 1` items from `offset()`, and an extra item means there is a next page.
    pub fn page_of_stream(&self, mut fetched: Vec<Value>) -> Value {
        let more = fetched.len() > self.pagelen;
        fetched.truncate(self.pagelen);
        let mut page = json!({ "page": self.page, "pagelen": self.pagelen, "values": fetched });
        if more {
            page["next"] = json!(self.link_to(self.page + 1));
        }
        page
    }
}
