//! Cursor pagination shared by every list: `?limit=&cursor=` in, `{items, next_cursor}` out.
//!
//! A cursor is the opaque, URL-safe encoding of the last key returned; ids are UUIDv7, so
//! ordering by id is ordering by creation time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use uuid::Uuid;

use crate::error::DomainError;

/// The largest page a client may ask for.
pub const MAX_LIMIT: u32 = 500;
/// The page size when the client names none.
pub const DEFAULT_LIMIT: u32 = 50;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page, 1..=MAX_LIMIT.
    pub limit: u32,
    /// Return items strictly after this id (in the list's order).
    pub after: Option<Uuid>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            after: None,
        }
    }
}

impl PageRequest {
    /// Parses client input, naming the field when it is wrong.
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, DomainError> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=i64::from(MAX_LIMIT)).contains(&n) => n as u32,
            Some(n) => {
                return Err(DomainError::invalid(
                    "limit",
                    format!("must be between 1 and {MAX_LIMIT}, got {n}"),
                ));
            }
        };
        let after = match cursor {
            None | Some("") => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                DomainError::invalid(
                    "cursor",
                    "is not a cursor returned by this API; start over without it",
                )
            })?),
        };
        Ok(Self { limit, after })
    }

    /// How many rows to fetch: one more than the limit tells whether another page exists.
    pub fn fetch_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }
}

/// One page of results.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows, using `key` to make the cursor.
    pub fn from_rows(mut rows: Vec<T>, req: &PageRequest, key: impl Fn(&T) -> Uuid) -> Self {
        let limit = req.limit as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| encode_cursor(key(last)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }

    /// Maps the items, keeping the cursor.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// Encodes an id as an opaque cursor.
pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode_cursor(cursor: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    Uuid::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_bounds_and_cursor_round_trip() {
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, DEFAULT_LIMIT);
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(501), None).is_err());
        assert!(PageRequest::parse(None, Some("not a cursor!")).is_err());
        let id = Uuid::now_v7();
        let req = PageRequest::parse(Some(2), Some(&encode_cursor(id))).unwrap();
        assert_eq!(req.after, Some(id));
    }

    #[test]
    fn page_has_a_cursor_only_when_more_rows_exist() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let req = PageRequest {
            limit: 2,
            after: None,
        };
        let page = Page::from_rows(ids.clone(), &req, |id| *id);
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.next_cursor, Some(encode_cursor(ids[1])));
        let last = Page::from_rows(ids[..2].to_vec(), &req, |id| *id);
        assert_eq!(last.next_cursor, None);
    }
}
