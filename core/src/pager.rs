//! Cursor pagination, the same in every language: the platform's `nextPage=<token>`
//! in, `elements-next-page-token` and `elements-total-count` out.
//!
//! A [`Pager`] fetches one page at a time (memory holds one page, whatever the
//! listing's size) and stops on an empty page or a page without a next-page token:
//! the platform sends a token even when the next page is empty. A token it already
//! sent is an error, never an endless loop. Each page is a GET, retried as any
//! idempotent call (connection errors, 502-504, 429 with `Retry-After`) within the
//! client's retry budget; a page that still fails is the caller's error, and the items
//! already yielded stay yielded. The Python and Node pagers wrap this one.

use std::collections::HashSet;
use std::fmt;
use std::hash::{Hash, Hasher};

use bytes::Bytes;

use serde_json::Value;

use crate::client::{CallOptions, Client};
use crate::error::{DecodeError, Error, Result};
use crate::lang::Lang;
use crate::model::Output;
use crate::ops::{self, Args, Operation, Pagination, ResultKind};

/// One page of a listing.
#[derive(Clone)]
pub struct Page {
    /// The items, decoded as the operation's model (none when the records were kept as
    /// text: [`Pager::records_as_text`]).
    pub items: Vec<Output>,
    /// Where the next page starts (`elements-next-page-token`): pass it as `cursor` to
    /// resume a listing later. `None` on the last page.
    pub next_cursor: Option<String>,
    /// How many items the whole listing has (`elements-total-count`), when the
    /// platform says.
    pub total_count: Option<u64>,
    /// The `elements-request-id` of the page's answer.
    pub request_id: Option<String>,
    /// The page's JSON array as received, when its records were left undecoded.
    records: Option<Bytes>,
    /// How many items the page holds, decoded or not.
    len: usize,
}

/// Debug shows the counts, never the records (they are the connected service's data).
impl fmt::Debug for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Page")
            .field("items", &self.items)
            .field("len", &self.len)
            .field("next_cursor", &self.next_cursor)
            .field("total_count", &self.total_count)
            .field("request_id", &self.request_id)
            .field("records_as_text", &self.records.as_ref().map(Bytes::len))
            .finish()
    }
}

impl Page {
    pub(crate) fn new(
        items: Vec<Output>,
        records: Option<(Bytes, usize)>,
        next_cursor: Option<String>,
        total_count: Option<u64>,
        request_id: Option<String>,
    ) -> Page {
        let (records, len) = match records {
            Some((text, n)) => (Some(text), n),
            None => (None, items.len()),
        };
        Page {
            items,
            next_cursor,
            total_count,
            request_id,
            records,
            len,
        }
    }

    /// How many items the page holds (decoded in `items`, or kept as text).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the page holds no item (it ends a listing).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The page's JSON array as received, when its records were kept as text for a
    /// binding that parses JSON itself ([`Pager::records_as_text`]).
    pub fn records_text(&self) -> Option<&[u8]> {
        self.records.as_deref()
    }

    /// The page for a binding that takes JSON text (Node): `[next cursor or "", total
    /// count or "", model name, json 1, values 1, json 2, values 2, ...]`; records kept
    /// as text as `[next, total, "{}[]", the JSON array]`.
    pub fn to_binding_list(&self) -> Vec<String> {
        let mut out = vec![
            self.next_cursor.clone().unwrap_or_default(),
            self.total_count.map(|n| n.to_string()).unwrap_or_default(),
        ];
        match &self.records {
            Some(text) => {
                out.push("{}[]".to_owned());
                out.push(crate::model::utf8_text(text));
            }
            None => crate::model::push_models(&mut out, &self.items),
        }
        out
    }
}

fn token_hash(token: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    token.hash(&mut h);
    h.finish()
}

/// A listing, fetched page by page. Built by [`Client::pager`] (checks the arguments
/// at once, sends nothing) or a typed method such as [`Client::list_instances`].
///
/// ```no_run
/// # async fn demo(client: open_connectors::Client) -> Result<(), open_connectors::Error> {
/// use futures_util::StreamExt;
/// let mut pager = client.pager("list_instances", serde_json::json!({"tags": ["Docs"]}))?;
/// while let Some(page) = pager.next_page().await? {
///     println!("{} instances, next cursor {:?}", page.items.len(), page.next_cursor);
/// }
/// // Or every item, as a Stream:
/// let mut items = Box::pin(client.pager("list_elements", serde_json::json!({}))?.into_stream());
/// while let Some(element) = items.next().await {
///     println!("{:?}", element?.raw()["key"]);
/// }
/// # Ok(()) }
/// ```
pub struct Pager {
    client: Client,
    lang: Lang,
    op: &'static Operation,
    args: Args,
    options: CallOptions,
    cursor: Option<String>,
    seen: HashSet<u64>,
    pages: u64,
    done: bool,
    /// The next page, being fetched while the caller works on the current one
    /// ([`Pagination::CursorAhead`]).
    ahead: Option<tokio::task::JoinHandle<Result<Page>>>,
    /// Keep the records of a JSON listing as text ([`Pager::records_as_text`]).
    records_as_text: bool,
}

impl Drop for Pager {
    fn drop(&mut self) {
        if let Some(h) = self.ahead.take() {
            h.abort();
        }
    }
}

impl fmt::Debug for Pager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pager")
            .field("operation", &self.op.name)
            .field("args", &self.args)
            .field("cursor", &self.cursor)
            .field("pages", &self.pages)
            .field("done", &self.done)
            .finish()
    }
}

impl Pager {
    pub(crate) fn new(
        client: Client,
        lang: Lang,
        op: &'static Operation,
        args: Args,
        options: CallOptions,
    ) -> Pager {
        let cursor = args
            .get("cursor")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut seen = HashSet::new();
        if let Some(c) = &cursor {
            seen.insert(token_hash(c));
        }
        Pager {
            client,
            lang,
            op,
            args,
            options,
            cursor,
            seen,
            pages: 0,
            done: false,
            ahead: None,
            records_as_text: false,
        }
    }

    /// For a binding that parses JSON itself (Python's `json`, JavaScript's
    /// `JSON.parse`): the records of a JSON listing (`paginate`) are checked (a JSON
    /// array, within the depth limit) and counted but not decoded, and the page keeps
    /// its body ([`Page::records_text`]) instead of `items`. Listings of models are
    /// unaffected.
    #[doc(hidden)]
    pub fn records_as_text(mut self) -> Self {
        self.records_as_text = true;
        self
    }

    /// The operation this pager lists.
    pub fn operation(&self) -> &'static Operation {
        self.op
    }

    /// Where the next page starts: the cursor to resume from later (`None` before the
    /// first page of a listing without a starting cursor, and at the end).
    pub fn cursor(&self) -> Option<&str> {
        if self.done {
            None
        } else {
            self.cursor.as_deref()
        }
    }

    /// Whether the listing is over.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Fetches the next page; `None` once the listing is over. An empty page ends
    /// the listing and is not returned.
    pub async fn next_page(&mut self) -> Result<Option<Page>> {
        if self.done {
            return Ok(None);
        }
        let page = match self.ahead.take() {
            Some(handle) => handle.await.map_err(|e| Error::Internal {
                reason: format!("the page fetched ahead was lost: {e}"),
            })??,
            None => self.fetch()?.await?,
        };
        self.pages += 1;
        if page.is_empty() {
            self.done = true;
            return Ok(None);
        }
        match &page.next_cursor {
            None => self.done = true,
            Some(next) => {
                if !self.seen.insert(token_hash(next)) {
                    self.done = true;
                    return Err(Error::Decode(Box::new(DecodeError {
                        status: 200,
                        request_id: page.request_id.clone(),
                        reason: format!(
                            "page {} of {} came with the next-page token of an earlier page; stopping rather than looping",
                            self.pages,
                            self.lang.spell(self.op.name)
                        ),
                        body: String::new(),
                    })));
                }
                self.cursor = Some(next.clone());
                // One page ahead: fetched while the caller works on this one.
                if self.op.pagination == Some(Pagination::CursorAhead)
                    && tokio::runtime::Handle::try_current().is_ok()
                {
                    let fetch = self.fetch()?;
                    self.ahead = Some(tokio::spawn(fetch));
                }
            }
        }
        Ok(Some(page))
    }

    /// The request of the page at the current cursor, as a future that owns what it
    /// needs (so it can run ahead on the runtime). A failed page leaves the cursor as
    /// it was: asking again fetches it again.
    fn fetch(&self) -> Result<impl std::future::Future<Output = Result<Page>> + Send + 'static> {
        let kind = match self.op.result {
            kind @ (ResultKind::Model(_) | ResultKind::Json) => kind,
            _ => {
                return Err(Error::Internal {
                    reason: format!("{} is paged but lists no items", self.op.name),
                });
            }
        };
        let mut args = self.args.clone();
        if let Some(c) = &self.cursor {
            args = args.with("cursor", c.as_str());
        }
        let lang = self.lang;
        let wire = (self.op.build)(self.op, args).map_err(|e| e.spelled(lang))?;
        let request = self
            .client
            .request(self.op, wire, &self.options)
            .map_err(|e| e.spelled(lang))?;
        let client = self.client.clone();
        let options = self.options.clone();
        let as_text = self.records_as_text;
        Ok(async move { client.send_page(kind, as_text, request, &options).await })
    }

    /// Every item of every page, fetched as the stream is read. The stream is boxed,
    /// so `StreamExt::next` works on it without pinning.
    pub fn into_stream(self) -> futures_util::stream::BoxStream<'static, Result<Output>> {
        use futures_util::StreamExt;
        let state = (self, std::collections::VecDeque::<Output>::new());
        futures_util::stream::unfold(state, |(mut pager, mut buffer)| async move {
            loop {
                if let Some(item) = buffer.pop_front() {
                    return Some((Ok(item), (pager, buffer)));
                }
                match pager.next_page().await {
                    Ok(Some(page)) => buffer.extend(page.items),
                    Ok(None) => return None,
                    Err(e) => {
                        pager.done = true;
                        return Some((Err(e), (pager, buffer)));
                    }
                }
            }
        })
        .boxed()
    }

    /// Every item, up to `limit` of them (all when `None`), in one vector.
    pub async fn collect(mut self, limit: Option<usize>) -> Result<Vec<Output>> {
        let mut out = Vec::new();
        while limit.is_none_or(|l| out.len() < l) {
            match self.next_page().await? {
                Some(page) => out.extend(page.items),
                None => break,
            }
        }
        if let Some(l) = limit {
            out.truncate(l);
        }
        Ok(out)
    }
}

impl Client {
    /// A pager over any paged operation of the table (`list_instances`,
    /// `list_elements`...), with arguments as one JSON object (Rust spelling). Bad input
    /// fails here, before anything is sent; nothing is sent until the first page is
    /// asked for.
    pub fn pager(&self, name: &str, args: Value) -> Result<Pager> {
        self.pager_with(Lang::Rust, name, args, &CallOptions::default())
    }

    /// [`Client::pager`] in the spelling of `lang`, with per-call options (applied to
    /// every page).
    pub fn pager_with(
        &self,
        lang: Lang,
        name: &str,
        args: Value,
        options: &CallOptions,
    ) -> Result<Pager> {
        options.check().map_err(|e| e.spelled(lang))?;
        let op = ops::find(name)?;
        if op.pagination.is_none() {
            return Err(Error::invalid(
                "operation",
                format!("{} is not a paged operation", lang.spell(op.name)),
            ));
        }
        let options = self.merged(options);
        let args = ops::parse_args(op, lang, args)?;
        // Build the first request now: bad input fails before anything is sent.
        let wire = (op.build)(op, args.clone()).map_err(|e| e.spelled(lang))?;
        self.request(op, wire, &options)
            .map_err(|e| e.spelled(lang))?;
        Ok(Pager::new(self.clone(), lang, op, args, options))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::transport::{BoxFuture, HttpRequest, HttpResponse, Transport, TransportError};
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
    use serde_json::json;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    type Answer = Result<HttpResponse, TransportError>;

    /// Answers from a script; records the URLs it was sent.
    struct Script {
        answers: Mutex<Vec<Answer>>,
        urls: Arc<Mutex<Vec<String>>>,
    }

    impl Transport for Script {
        fn send(&self, request: HttpRequest, _: Duration) -> BoxFuture<'_, Answer> {
            self.urls.lock().unwrap().push(request.url.clone());
            let mut answers = self.answers.lock().unwrap();
            let next = if answers.is_empty() {
                Err(TransportError::Io("script exhausted".into()))
            } else {
                answers.remove(0)
            };
            Box::pin(async move { next })
        }
    }

    fn page(status: u16, ids: &[u64], next: Option<&str>, total: Option<&str>) -> Answer {
        let mut h = HeaderMap::new();
        if let Some(n) = next {
            h.insert(
                HeaderName::from_static("elements-next-page-token"),
                HeaderValue::from_str(n).unwrap(),
            );
        }
        if let Some(t) = total {
            h.insert(
                HeaderName::from_static("elements-total-count"),
                HeaderValue::from_str(t).unwrap(),
            );
        }
        let items: Vec<Value> = ids
            .iter()
            .map(|i| json!({"id": i, "key": format!("k{i}"), "name": "n"}))
            .collect();
        Ok(HttpResponse {
            status,
            headers: h,
            body: bytes::Bytes::from(serde_json::to_vec(&items).unwrap()),
        })
    }

    /// A client on `transport`, with two retries.
    fn client_on(transport: impl Transport) -> Client {
        Client::builder()
            .use_env(false)
            .base_url("http://127.0.0.1:9/elements/api-v2")
            .user_secret("u")
            .organization_secret("o")
            .max_retries(2)
            .transport(transport)
            .build()
            .unwrap()
    }

    fn client(answers: Vec<Answer>) -> (Client, Arc<Mutex<Vec<String>>>) {
        let urls = Arc::new(Mutex::new(Vec::new()));
        let c = client_on(Script {
            answers: Mutex::new(answers),
            urls: urls.clone(),
        });
        (c, urls)
    }

    fn ids(page: &Page) -> Vec<i64> {
        page.items
            .iter()
            .map(|o| o.raw()["id"].as_i64().unwrap())
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn stops_on_an_empty_page_even_with_a_token() {
        let (c, urls) = client(vec![
            page(200, &[1, 2], Some("A"), Some("4")),
            page(200, &[3, 4], Some("B"), Some("4")),
            page(200, &[], Some("C"), Some("4")),
        ]);
        let mut p = c.pager("list_elements", json!({"page_size": 2})).unwrap();
        assert!(
            urls.lock().unwrap().is_empty(),
            "nothing sent before the first page"
        );
        let first = p.next_page().await.unwrap().unwrap();
        assert_eq!(
            (ids(&first), first.next_cursor.as_deref(), first.total_count),
            (vec![1, 2], Some("A"), Some(4))
        );
        assert_eq!(p.cursor(), Some("A"));
        let second = p.next_page().await.unwrap().unwrap();
        assert_eq!(ids(&second), vec![3, 4]);
        assert!(p.next_page().await.unwrap().is_none());
        assert!(p.is_done() && p.cursor().is_none());
        assert!(p.next_page().await.unwrap().is_none());
        let urls = urls.lock().unwrap().clone();
        assert_eq!(
            urls,
            vec![
                "http://127.0.0.1:9/elements/api-v2/elements?pageSize=2",
                "http://127.0.0.1:9/elements/api-v2/elements?pageSize=2&nextPage=A",
                "http://127.0.0.1:9/elements/api-v2/elements?pageSize=2&nextPage=B",
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn stops_without_a_token_and_resumes_from_a_cursor() {
        let (c, urls) = client(vec![
            page(200, &[7], None, None),
            page(200, &[8], Some(" "), None),
        ]);
        let all = c
            .pager("list_elements", json!({"cursor": "R"}))
            .unwrap()
            .collect(None)
            .await
            .unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(urls.lock().unwrap().len(), 1);
        assert!(urls.lock().unwrap()[0].ends_with("/elements?nextPage=R"));
        // A blank token counts as none.
        let mut p = c.pager("list_elements", json!({})).unwrap();
        assert_eq!(p.next_page().await.unwrap().unwrap().next_cursor, None);
        assert!(p.next_page().await.unwrap().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_repeated_token_is_an_error_not_a_loop() {
        let (c, urls) = client(vec![
            page(200, &[1], Some("A"), None),
            page(200, &[2], Some("B"), None),
            page(200, &[3], Some("A"), None),
        ]);
        let mut p = c.pager("list_elements", json!({})).unwrap();
        p.next_page().await.unwrap().unwrap();
        p.next_page().await.unwrap().unwrap();
        let e = p.next_page().await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::Decode);
        assert!(e.to_string().contains("page 3 of list_elements"), "{e}");
        assert!(p.next_page().await.unwrap().is_none());
        assert_eq!(urls.lock().unwrap().len(), 3);
        // The starting cursor counts as seen.
        let (c, _) = client(vec![page(200, &[1], Some("S"), None)]);
        let mut p = c
            .pager_with(
                Lang::Node,
                "listElements",
                json!({"cursor": "S"}),
                &CallOptions::default(),
            )
            .unwrap();
        let e = p.next_page().await.unwrap_err();
        assert!(e.to_string().contains("listElements"), "{e}");
    }

    #[tokio::test(start_paused = true)]
    async fn pages_are_retried_and_failures_keep_what_was_yielded() {
        let (c, urls) = client(vec![
            page(200, &[1], Some("A"), None),
            page(503, &[], None, None),
            Err(TransportError::Io("reset".into())),
            page(200, &[2], None, None),
        ]);
        let items = c
            .pager("list_elements", json!({}))
            .unwrap()
            .collect(None)
            .await
            .unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(urls.lock().unwrap().len(), 4);
        // Beyond the retry budget (2 retries): the error, after the first page's items.
        let (c, _) = client(vec![
            page(200, &[1], Some("A"), None),
            page(502, &[], None, None),
            page(502, &[], None, None),
            page(502, &[], None, None),
        ]);
        use futures_util::StreamExt;
        let got: Vec<Result<Output>> = c
            .pager("list_elements", json!({}))
            .unwrap()
            .into_stream()
            .collect()
            .await;
        assert_eq!(got.len(), 2);
        assert!(got[0].is_ok());
        assert_eq!(got[1].as_ref().unwrap_err().status(), Some(502));
    }

    #[tokio::test(start_paused = true)]
    async fn bad_input_fails_before_anything_is_sent() {
        let (c, urls) = client(vec![]);
        for (args, field) in [
            (json!({"page_size": 0}), "page_size"),
            (json!({"page_size": 201}), "page_size"),
            (json!({"page_size": 2.5}), "page_size"),
            (json!({"page_size": "10"}), "page_size"),
            (json!({"pageSize": 10}), "pageSize"),
        ] {
            let e = c.pager("list_elements", args).unwrap_err();
            assert_eq!(
                (e.code(), e.field()),
                (ErrorCode::InvalidInput, Some(field))
            );
        }
        c.pager("list_elements", json!({"page_size": 1})).unwrap();
        c.pager("list_elements", json!({"page_size": 200})).unwrap();
        let e = c
            .pager("get_element", json!({"key_or_id": "x"}))
            .unwrap_err();
        assert_eq!(e.field(), Some("operation"));
        let e = c.call("list_elements", json!({})).await.unwrap_err();
        assert_eq!(e.field(), Some("operation"));
        assert!(urls.lock().unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn records_kept_as_text_are_counted_and_checked() {
        let (c, urls) = client(vec![
            page(200, &[1, 2], Some("A"), Some("3")),
            page(200, &[3], None, None),
        ]);
        let hub = c.for_instance("tok-1").unwrap();
        let mut p = hub
            .pager("paginate", json!({"path": "/hubs/crm/contacts"}))
            .unwrap()
            .records_as_text();
        let first = p.next_page().await.unwrap().unwrap();
        assert_eq!(
            (first.len(), first.items.len(), first.total_count),
            (2, 0, Some(3))
        );
        let text: Value = serde_json::from_slice(first.records_text().unwrap()).unwrap();
        assert_eq!(text[1]["id"], 2);
        let second = p.next_page().await.unwrap().unwrap();
        assert_eq!(second.len(), 1);
        assert!(p.next_page().await.unwrap().is_none());
        assert_eq!(urls.lock().unwrap().len(), 2);
        // Not an array: the same decode error as when decoding.
        let (c, _) = client(vec![Ok(HttpResponse {
            status: 200,
            headers: HeaderMap::new(),
            body: bytes::Bytes::from_static(br#"{"id":1}"#),
        })]);
        let mut p = c
            .for_instance("tok-1")
            .unwrap()
            .pager("paginate", json!({"path": "/x"}))
            .unwrap()
            .records_as_text();
        assert_eq!(p.next_page().await.unwrap_err().code().as_str(), "decode");
        // Listings of models are unaffected.
        let (c, _) = client(vec![page(200, &[1], None, None)]);
        let mut p = c
            .pager("list_elements", json!({}))
            .unwrap()
            .records_as_text();
        let page = p.next_page().await.unwrap().unwrap();
        assert_eq!((page.items.len(), page.records_text()), (1, None));
    }

    #[tokio::test(start_paused = true)]
    async fn done_and_debug_follow_the_listing() {
        let (c, _) = client(vec![page(200, &[1], None, None)]);
        let mut p = c.pager("list_elements", json!({"page_size": 5})).unwrap();
        assert!(!p.is_done());
        let dbg = format!("{p:?}");
        assert!(
            dbg.starts_with("Pager { operation: \"list_elements\"") && dbg.contains("done: false"),
            "{dbg}"
        );
        assert!(p.next_page().await.unwrap().is_some());
        assert!(p.is_done() && format!("{p:?}").contains("done: true"));
        assert!(p.next_page().await.unwrap().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn collect_stops_at_the_limit() {
        let (c, urls) = client(vec![
            page(200, &[1, 2], Some("A"), None),
            page(200, &[3, 4], Some("B"), None),
        ]);
        let items = c
            .pager("list_elements", json!({}))
            .unwrap()
            .collect(Some(3))
            .await
            .unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(urls.lock().unwrap().len(), 2);
        let (c, urls) = client(vec![page(200, &[1, 2], Some("A"), None)]);
        let items = c
            .pager("list_elements", json!({}))
            .unwrap()
            .collect(Some(2))
            .await
            .unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(
            urls.lock().unwrap().len(),
            1,
            "no page fetched past the limit"
        );
        let p = Page::new(items, None, Some("A".into()), Some(9), None);
        assert_eq!(p.len(), 2);
        let texts = p.to_binding_list();
        assert_eq!(&texts[..3], &["A", "9", "Element"]);
        assert_eq!(texts.len(), 3 + 4);
        // Records kept as text: the array once, counted.
        let body = Bytes::from_static(br#"[{"a":1},{"b":"x"}]"#);
        let p = Page::new(Vec::new(), Some((body, 2)), None, None, None);
        assert_eq!((p.len(), p.is_empty(), p.items.len()), (2, false, 0));
        assert_eq!(p.records_text(), Some(&br#"[{"a":1},{"b":"x"}]"#[..]));
        assert_eq!(
            p.to_binding_list(),
            ["", "", "{}[]", r#"[{"a":1},{"b":"x"}]"#]
        );
        let dbg = format!("{p:?}");
        assert!(
            dbg.contains("len: 2")
                && dbg.contains("records_as_text: Some(19)")
                && !dbg.contains("\"b\""),
            "{dbg}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn only_listings_declared_ahead_fetch_ahead() {
        // list_elements (Pagination::Cursor): the next page waits until it is asked for.
        let (c, urls) = client(vec![
            page(200, &[1], Some("A"), None),
            page(200, &[2], None, None),
        ]);
        let mut p = c.pager("list_elements", json!({})).unwrap();
        p.next_page().await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            urls.lock().unwrap().len(),
            1,
            "a Cursor listing fetched ahead"
        );
        // paginate (CursorAhead): the next page is on its way before it is asked for.
        let (c, urls) = client(vec![
            page(200, &[1], Some("A"), None),
            page(200, &[2], None, None),
        ]);
        let mut p = contacts(&c);
        p.next_page().await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            urls.lock().unwrap().len(),
            2,
            "a CursorAhead listing did not fetch ahead"
        );
        let second = p.next_page().await.unwrap().unwrap();
        assert_eq!(ids(&second), vec![2]);
        assert_eq!(
            urls.lock().unwrap().len(),
            2,
            "the page fetched ahead was fetched again"
        );
    }

    /// The hub listing of contacts through an instance of `c`.
    fn contacts(c: &Client) -> Pager {
        c.for_instance("tok-1")
            .unwrap()
            .pager("paginate", json!({"path": "/hubs/crm/contacts"}))
            .unwrap()
    }

    /// Answers the first request at once; every later one never ends, holding a guard
    /// that records when its future is dropped.
    struct FirstThenHang {
        first: Mutex<Option<Answer>>,
        dropped: Arc<std::sync::atomic::AtomicBool>,
    }

    struct DropFlag(Arc<std::sync::atomic::AtomicBool>);

    impl Drop for DropFlag {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    impl Transport for FirstThenHang {
        fn send(&self, _: HttpRequest, _: Duration) -> BoxFuture<'_, Answer> {
            if let Some(a) = self.first.lock().unwrap().take() {
                return Box::pin(async move { a });
            }
            let guard = DropFlag(self.dropped.clone());
            Box::pin(async move {
                let _guard = guard;
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Err(TransportError::Io("never".into()))
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_a_pager_stops_the_page_fetched_ahead() {
        let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let c = client_on(FirstThenHang {
            first: Mutex::new(Some(page(200, &[1], Some("A"), None))),
            dropped: dropped.clone(),
        });
        let mut p = contacts(&c);
        p.next_page().await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await; // the fetch ahead is waiting
        assert!(!dropped.load(std::sync::atomic::Ordering::SeqCst));
        drop(p);
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(
            dropped.load(std::sync::atomic::Ordering::SeqCst),
            "the request fetched ahead outlived its pager"
        );
    }
}
