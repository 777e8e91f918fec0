//! Bitbucket's paged lists: `{"values": [...], "next"?: <absolute URL>}`. `next` is followed
//! as given, but only on the API's own origin, so a forged or misconfigured `next` cannot
//! send the account's credential to another host.

use reqwest::Url;
use serde::Deserialize;

use super::errors::BitbucketError;

/// The largest page Bitbucket serves.
pub(crate) const PAGE_LEN: &str = "100";

/// How many pages one listing follows: 1,000 items at most, so one listing cannot spend a
/// sizeable share of the account's 1,000 requests an hour. Larger workspaces are searched.
pub(crate) const MAX_PAGES: usize = 10;

/// How many requests a listing that returned `items` made: a page per 100, at least one, at
/// most [`MAX_PAGES`] (what a caller charges to the account's request budget).
pub fn pages_read(items: usize) -> u32 {
    let len: usize = PAGE_LEN.parse().unwrap_or(100);
    items.div_ceil(len).clamp(1, MAX_PAGES) as u32
}

#[derive(Debug, Deserialize)]
pub(crate) struct Page<T> {
    pub values: Vec<T>,
    #[serde(default)]
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// The next page's URL, when there is one and it stays on the API's origin.
    pub fn next_url(&self, api_url: &Url) -> Result<Option<Url>, BitbucketError> {
        let Some(next) = self.next.as_deref() else {
            return Ok(None);
        };
        let url = Url::parse(next).map_err(|_| BitbucketError::BadResponse {
            detail: "a page's `next` link is not a URL".to_owned(),
        })?;
        if url.origin() != api_url.origin() {
            return Err(BitbucketError::BadResponse {
                detail: format!(
                    "a page's `next` link points to another host ({})",
                    url.host_str().unwrap_or("?")
                ),
            });
        }
        Ok(Some(url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_read_count_a_page_per_hundred_items() {
        assert_eq!(
            [0, 1, 100, 101, 1000, 5000].map(pages_read),
            [1, 1, 1, 2, 10, 10]
        );
    }

    #[test]
    fn next_links_must_stay_on_the_api_origin() {
        let api = Url::parse("https://api.bitbucket.org/2.0").unwrap();
        let page = |next: &str| Page::<()> {
            values: vec![],
            next: Some(next.to_owned()),
        };
        let same = page("https://api.bitbucket.org/2.0/repositories/acme?page=2");
        assert_eq!(
            same.next_url(&api).unwrap().unwrap().query(),
            Some("page=2")
        );
        assert!(page("https://evil.example/2.0?page=2")
            .next_url(&api)
            .is_err());
        assert!(page("http://api.bitbucket.org/2.0?page=2")
            .next_url(&api)
            .is_err());
        assert!(Page::<()> {
            values: vec![],
            next: None
        }
        .next_url(&api)
        .unwrap()
        .is_none());
    }
}
