//! Cursor pagination shared by `GET /instances` and `GET /elements`: the `pageSize`
//! and `nextPage` query parameters, the opaque next-page token, the
//! `elements-*-count` and `elements-next-page-token` headers, and the quirks staged
//! by `POST /__sandbox/pagination`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};

use crate::platform::{PlatformError, bad_request};
use crate::server::Reply;
use crate::util::mix64;

/// The decoded query string, in request order.
pub(crate) type Params = Vec<(String, String)>;

/// The query of a request, percent-decoded (`+` is a space, as in any form decoding).
pub(crate) fn query_params(query: Option<&str>) -> Params {
    query.map_or_else(Vec::new, |q| {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    })
}

/// The value of a parameter that may be given at most once.
pub(crate) fn single<'a>(params: &'a Params, name: &str) -> Result<Option<&'a str>, PlatformError> {
    let mut values = params.iter().filter(|(n, _)| n == name).map(|(_, v)| v);
    match (values.next(), values.next()) {
        (first, None) => Ok(first.map(String::as_str)),
        (Some(_), Some(_)) => Err(bad_request(format!("{name} must be given at most once"))),
        (None, Some(_)) => unreachable!("a second value comes after a first"),
    }
}

/// The largest (and default) `pageSize`.
pub(crate) const MAX_PAGE_SIZE: usize = 200;

/// Which list a token belongs to: a token of one list is refused by the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum List {
    Instances,
    Elements,
}

impl List {
    fn name(self) -> &'static str {
        match self {
            List::Instances => "instances",
            List::Elements => "elements",
        }
    }
}

/// The pagination quirks staged by `POST /__sandbox/pagination`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Quirks {
    /// Every list answer carries the request's own `nextPage` token (or the token
    /// of the first page when none was given): a client looping on it never ends.
    pub repeat_token: bool,
    /// No `elements-total-count` header.
    pub omit_total: bool,
}

/// The pagination of one list request.
pub(crate) struct PageQuery {
    list: List,
    pub size: usize,
    /// Items with a key above this one come next (0: from the start).
    after: u64,
    /// The `nextPage` token as received.
    token: Option<String>,
}

/// `pageSize` and `nextPage` of a list request.
pub(crate) fn parse(list: List, params: &Params) -> Result<PageQuery, PlatformError> {
    let size = page_size(single(params, "pageSize")?, MAX_PAGE_SIZE, MAX_PAGE_SIZE)?;
    let token = single(params, "nextPage")?.filter(|t| !t.is_empty());
    let after = match token {
        None => 0,
        Some(t) => decode_token(list, t).ok_or_else(|| bad_request("Invalid nextPage token"))?,
    };
    Ok(PageQuery {
        list,
        size,
        after,
        token: token.map(str::to_owned),
    })
}

/// `pageSize`: decimal digits only, from 1 to `max`; absent is `default`.
pub(crate) fn page_size(
    value: Option<&str>,
    default: usize,
    max: usize,
) -> Result<usize, PlatformError> {
    let Some(v) = value else {
        return Ok(default);
    };
    let invalid = || {
        bad_request(format!(
            "Invalid pageSize '{v}': expected an integer from 1 to {max}"
        ))
    };
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    // Above the documented maximum is refused (the contract test's OpenAPI document
    // says `maximum: 200` for the platform lists), however many digits.
    let digits = v.trim_start_matches('0');
    match digits.len() {
        1..=19 => match digits.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(invalid()),
        },
        _ => Err(invalid()),
    }
}

/// A check value so that a token the sandbox did not issue is refused. Not a secret:
/// the same position always has the same token.
fn check(list: List, after: u64) -> String {
    let salt = match list {
        List::Instances => 0x696e_7374_616e_6365,
        List::Elements => 0x656c_656d_656e_7473,
    };
    format!(
        "{:016x}",
        mix64(salt ^ after.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    )
}

/// Standard base64 (with padding) of `{"list", "after", "check"}`, like the
/// platform's base64 JSON tokens.
fn encode_token(list: List, after: u64) -> String {
    let inner = json!({"list": list.name(), "after": after, "check": check(list, after)});
    BASE64.encode(inner.to_string())
}

fn decode_token(list: List, token: &str) -> Option<u64> {
    let bytes = BASE64.decode(token).ok()?;
    let value: Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
    if value.len() != 3 || value.get("list")?.as_str()? != list.name() {
        return None;
    }
    let after = value.get("after")?.as_u64()?;
    (value.get("check")?.as_str()? == check(list, after)).then_some(after)
}

/// One page of a list.
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    /// Every item matching the request's filters, on every page.
    total: usize,
    /// The token of the next page, when this page is full.
    next: Option<String>,
}

/// The page `query` asks for, of `items` sorted by ascending `key` (already
/// filtered).
pub(crate) fn paginate<T>(
    query: &PageQuery,
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> u64,
) -> Page<T> {
    let mut total = 0;
    let mut page = Vec::new();
    for item in items {
        total += 1;
        if page.len() < query.size && key(&item) > query.after {
            page.push(item);
        }
    }
    // A full page has a token even when nothing follows, as on the platform.
    let next = (page.len() == query.size)
        .then(|| encode_token(query.list, page.last().map_or(query.after, &key)));
    Page {
        items: page,
        total,
        next,
    }
}

impl<T> Page<T> {
    /// `elements-returned-count`, `elements-total-count` and
    /// `elements-next-page-token`, with the staged quirks.
    pub(crate) fn set_headers(&self, reply: &mut Reply, query: &PageQuery, quirks: Quirks) {
        reply.header("elements-returned-count", &self.items.len().to_string());
        if !quirks.omit_total {
            reply.header("elements-total-count", &self.total.to_string());
        }
        let next = if quirks.repeat_token {
            Some(
                query
                    .token
                    .clone()
                    .unwrap_or_else(|| encode_token(query.list, 0)),
            )
        } else {
            self.next.clone()
        };
        if let Some(token) = next {
            reply.header("elements-next-page-token", &token);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Params {
        query_params(Some(q))
    }

    #[test]
    fn page_sizes() {
        for (q, want) in [
            ("", 200),
            ("pageSize=1", 1),
            ("pageSize=200", 200),
            ("pageSize=007", 7),
        ] {
            assert_eq!(
                parse(List::Instances, &params(q)).ok().map(|p| p.size),
                Some(want),
                "{q}"
            );
        }
        for q in [
            "pageSize=201",
            "pageSize=99999999999999999999999",
            "pageSize=0",
            "pageSize=000",
            "pageSize=x",
            "pageSize=",
            "pageSize=-1",
            "pageSize=+1",
            "pageSize=1.0",
            "pageSize=%201",
            "pageSize=1&pageSize=2",
        ] {
            let e = parse(List::Instances, &params(q)).err().unwrap();
            assert!(e.message.contains("pageSize"), "{q}: {}", e.message);
        }
    }

    #[test]
    fn tokens_round_trip_and_are_checked() {
        let t = encode_token(List::Instances, 477_860);
        assert_eq!(decode_token(List::Instances, &t), Some(477_860));
        assert_eq!(
            decode_token(List::Elements, &t),
            None,
            "another list's token"
        );
        let forged = BASE64.encode(r#"{"list":"instances","after":5,"check":"0000000000000000"}"#);
        for bad in [
            "x",
            "",
            "eyJsaW1pdCI6MSwicGFnZVNpemUiOjEsInBhZ2UiOjJ9",
            forged.as_str(),
        ] {
            assert_eq!(decode_token(List::Instances, bad), None, "{bad}");
        }
        // A '+' sent raw in a query reads as a space: the token no longer decodes.
        assert_eq!(
            parse(List::Elements, &params("nextPage=a+b"))
                .err()
                .unwrap()
                .message,
            "Invalid nextPage token"
        );
        assert_eq!(
            parse(List::Elements, &params("nextPage="))
                .ok()
                .map(|p| p.after),
            Some(0)
        );
    }

    #[test]
    fn full_pages_have_a_token() {
        let q = PageQuery {
            list: List::Elements,
            size: 2,
            after: 0,
            token: None,
        };
        let page = paginate(&q, [1u64, 2, 3, 4], |n| *n);
        assert_eq!((page.items.clone(), page.total), (vec![1, 2], 4));
        let after = decode_token(List::Elements, page.next.as_deref().unwrap());
        assert_eq!(after, Some(2));
        let q = PageQuery { after: 4, ..q };
        let page = paginate(&q, [1u64, 2, 3, 4], |n| *n);
        assert!(page.items.is_empty() && page.next.is_none());
        let q = PageQuery { after: 2, ..q };
        let page = paginate(&q, [1u64, 2, 3, 4], |n| *n);
        assert_eq!(page.items, [3, 4]);
        assert!(page.next.is_some(), "full, though nothing follows");
    }
}
