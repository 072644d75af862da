//! The typed Rust methods of the lifecycle operations. Each packs its arguments into
//! the table's names and goes through the one generic path ([`Client::call`],
//! [`Client::pager`]), so the checks, the wire format and the retry class stay in the
//! operation table.

use serde_json::{Map, Value};

use super::{CallOptions, Client};
use crate::error::{Error, Result};
use crate::model::{Instance, Output, Record, Response};
use crate::ops::HttpMethod;
use crate::ops::instances::ElementRef;
use crate::pager::Pager;
use crate::secret::Secret;

/// Arguments as the table names them, built by the option structs below.
#[derive(Default)]
struct Named(Map<String, Value>);

impl Named {
    fn set(mut self, name: &str, value: Option<impl Into<Value>>) -> Named {
        if let Some(v) = value {
            self.0.insert(name.to_owned(), v.into());
        }
        self
    }

    fn element(self, name: &str, element: &ElementRef) -> Named {
        self.set(name, Some(Value::from(element)))
    }

    fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

/// The options of [`Client::list_instances`]: filters, page size and where to start.
///
/// ```
/// use open_connectors::ListInstances;
/// let q = ListInstances::new().tag("customer:42").search("CRM").page_size(50);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ListInstances {
    tags: Option<Vec<String>>,
    search: Option<String>,
    hydrate: Option<bool>,
    page_size: Option<u64>,
    cursor: Option<String>,
}

impl ListInstances {
    /// Every instance of the organization, in pages of the platform's default size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only instances with this tag (`tags[]`; several tags: instances with any).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.get_or_insert_with(Vec::new).push(tag.into());
        self
    }

    /// Only instances whose name or tags contain this text (`searchText`).
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }

    /// `false` for lighter bodies (`hydrate=false`).
    pub fn hydrate(mut self, hydrate: bool) -> Self {
        self.hydrate = Some(hydrate);
        self
    }

    /// Instances per page, 1 to 200 (checked when the pager is made).
    pub fn page_size(mut self, size: u64) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Resumes a listing from the cursor of an earlier page ([`Pager::cursor`]).
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }
}

/// The changes of [`Client::update_instance`]: only the fields set are sent.
///
/// ```
/// use open_connectors::UpdateInstance;
/// let change = UpdateInstance::new().name("CRM (EU)").tags(["customer:42", "eu"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct UpdateInstance {
    name: Option<String>,
    tags: Option<Vec<String>>,
    configuration: Option<Value>,
    extra: Option<Map<String, Value>>,
}

impl UpdateInstance {
    /// No change yet (an update with nothing set is refused before sending).
    pub fn new() -> Self {
        Self::default()
    }

    /// The new display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The new tags; they replace the old ones, as on the platform.
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = Some(tags.into_iter().map(Into::into).collect());
        self
    }

    /// Configuration entries to change (a JSON object).
    pub fn configuration(mut self, configuration: impl Into<Value>) -> Self {
        self.configuration = Some(configuration.into());
        self
    }

    /// Any other top-level body field, passed through as is.
    pub fn field(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }
}

/// The request of [`Client::get_oauth_url`]: the app's credentials at the provider,
/// where the provider sends the user back, and optional scope, state and site.
///
/// ```
/// use open_connectors::OAuthUrl;
/// let req = OAuthUrl::new("my-client-id", "my-client-secret", "https://app.example.com/callback")
///     .state("f9c2a1")
///     .scope("read write");
/// assert!(!format!("{req:?}").contains("my-client-secret"));
/// ```
#[derive(Clone)]
pub struct OAuthUrl {
    api_key: String,
    api_secret: String,
    callback_url: String,
    scope: Option<String>,
    state: Option<String>,
    site_address: Option<String>,
    request_token: Option<String>,
    extra: Option<Map<String, Value>>,
}

impl std::fmt::Debug for OAuthUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthUrl")
            .field("api_key", &self.api_key)
            .field("api_secret", &crate::redact::REDACTED)
            .field("callback_url", &self.callback_url)
            .field("scope", &self.scope)
            .field("state", &self.state)
            .field("site_address", &self.site_address)
            .field("request_token", &self.request_token)
            .field(
                "extra",
                &self
                    .extra
                    .as_ref()
                    .map(|m| crate::redact::redact_json(&Value::Object(m.clone()))),
            )
            .finish()
    }
}

impl OAuthUrl {
    /// The app's key (client id) and secret at the provider, and the callback URL
    /// registered there.
    pub fn new(
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
        callback_url: impl Into<String>,
    ) -> Self {
        OAuthUrl {
            api_key: api_key.into(),
            api_secret: api_secret.into(),
            callback_url: callback_url.into(),
            scope: None,
            state: None,
            site_address: None,
            request_token: None,
            extra: None,
        }
    }

    /// The scopes to ask for, space separated.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// A value the provider sends back unchanged: check it in the callback
    /// ([`crate::oauth::parse_callback`]).
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// The site of elements that need one (`siteAddress`).
    pub fn site_address(mut self, site: impl Into<String>) -> Self {
        self.site_address = Some(site.into());
        self
    }

    /// OAuth 1: the request token from [`Client::get_oauth1_token`].
    pub fn request_token(mut self, token: impl Into<String>) -> Self {
        self.request_token = Some(token.into());
        self
    }

    /// An element-specific query parameter.
    pub fn param(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }
}

/// A request to the connected service through an instance ([`Client::send`]): the
/// method, a path relative to the base URL, query parameters, a JSON body, headers.
///
/// ```
/// use open_connectors::HubRequest;
/// use serde_json::json;
/// let list = HubRequest::get("/hubs/crm/contacts").query("where", "lastName = 'Smith'");
/// let create = HubRequest::post("/hubs/crm/contacts").json(json!({"lastName": "Lovelace"}));
/// ```
#[derive(Clone)]
pub struct HubRequest {
    method: HttpMethod,
    path: String,
    query: Map<String, Value>,
    json: Option<Value>,
    headers: Map<String, Value>,
}

impl std::fmt::Debug for HubRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("json", &self.json.as_ref().map(crate::redact::redact_json))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl HubRequest {
    /// A request of any method.
    pub fn new(method: HttpMethod, path: impl Into<String>) -> Self {
        HubRequest {
            method,
            path: path.into(),
            query: Map::new(),
            json: None,
            headers: Map::new(),
        }
    }
    /// `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Get, path)
    }
    /// `POST path` (never retried once it may have arrived).
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Post, path)
    }
    /// `PUT path`.
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Put, path)
    }
    /// `PATCH path` (never retried once it may have arrived).
    pub fn patch(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Patch, path)
    }
    /// `DELETE path`.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Delete, path)
    }
    /// Adds a query parameter (a list value repeats the key).
    pub fn query(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.query.insert(key.into(), value.into());
        self
    }
    /// The JSON body.
    pub fn json(mut self, body: impl Into<Value>) -> Self {
        self.json = Some(body.into());
        self
    }
    /// One more header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .insert(name.into(), Value::String(value.into()));
        self
    }
}

impl Client {
    /// A handle on the same connection pool and settings whose calls carry the
    /// instance's token (`Authorization: User ..., Organization ..., Element <token>`):
    /// what the hub calls ([`Client::send`], [`Client::paginate`], `call("get", ...)`)
    /// need. The token is a secret: never in `Debug`, logs or errors.
    pub fn for_instance(&self, token: impl Into<Secret>) -> Result<Client> {
        let token = token.into();
        crate::config::validate_secret("token", token.expose())?;
        self.with_options(CallOptions {
            instance_token: Some(token),
            ..CallOptions::default()
        })
    }

    /// [`Client::for_instance`] with an instance's own token.
    pub fn for_instance_of(&self, instance: &Instance) -> Result<Client> {
        self.for_instance(instance.token.clone())
    }

    /// Sends a request to the connected service through this instance handle
    /// ([`Client::for_instance`]): the whole 2xx response (other statuses are errors).
    /// GET, PUT and DELETE are retried as safe calls; POST and PATCH never once they
    /// may have arrived.
    pub async fn send(&self, request: HubRequest) -> Result<Response> {
        let mut args = Named::default()
            .set("method", Some(request.method.as_str()))
            .set("path", Some(request.path))
            .set("json", request.json);
        if !request.query.is_empty() {
            args = args.set("query", Some(Value::Object(request.query)));
        }
        if !request.headers.is_empty() {
            args = args.set("headers", Some(Value::Object(request.headers)));
        }
        match self.call("request", args.into_value()).await? {
            Output::Response(r) => Ok(*r),
            _ => Err(unexpected("a response")),
        }
    }

    /// A pager over a hub list route through this instance handle: each item is a
    /// record (decoded JSON); the next page is fetched while the current one is read.
    /// `where_` is an OCNQL filter (see [`crate::ocnql`]); `page_size` 1 to 5,000.
    pub fn paginate(
        &self,
        path: impl Into<String>,
        where_: Option<&str>,
        page_size: Option<u64>,
    ) -> Result<Pager> {
        let args = Named::default()
            .set("path", Some(path.into()))
            .set("where", where_)
            .set("page_size", page_size);
        self.pager("paginate", args.into_value())
    }

    /// A pager over the organization's instances (`GET /instances`), page by page
    /// ([`Pager::next_page`]) or as a `Stream` of items ([`Pager::into_stream`]). Bad
    /// options fail here; nothing is sent until the first page is asked for.
    pub fn list_instances(&self, query: ListInstances) -> Result<Pager> {
        let args = Named::default()
            .set("tags", query.tags)
            .set("search", query.search)
            .set("hydrate", query.hydrate)
            .set("page_size", query.page_size)
            .set("cursor", query.cursor);
        self.pager("list_instances", args.into_value())
    }

    /// Changes an instance (`PATCH /instances/{id}` with only the fields set). Never
    /// retried once it may have arrived.
    pub async fn update_instance(
        &self,
        instance_id: u64,
        change: UpdateInstance,
    ) -> Result<Instance> {
        let args = Named::default()
            .set("instance_id", Some(instance_id))
            .set("name", change.name)
            .set("tags", change.tags)
            .set("configuration", change.configuration)
            .set("extra", change.extra);
        into_instance(self.call("update_instance", args.into_value()).await?)
    }

    /// Re-authenticates an instance with a fresh OAuth 2 `code`
    /// (`PUT /instances/{id}?reAuthenticate=true`), optionally changing configuration
    /// entries. Never retried once it may have arrived: the code is single-use.
    pub async fn reauthenticate_instance(
        &self,
        instance_id: u64,
        code: impl Into<String>,
        configuration: Option<Value>,
    ) -> Result<Instance> {
        let args = Named::default()
            .set("instance_id", Some(instance_id))
            .set("code", Some(code.into()))
            .set("configuration", configuration);
        into_instance(
            self.call("reauthenticate_instance", args.into_value())
                .await?,
        )
    }

    /// Enables an instance (`PUT /instances/{id}/enabled`). Safe to retry.
    pub async fn enable_instance(&self, instance_id: u64) -> Result<()> {
        let args = Named::default().set("instance_id", Some(instance_id));
        self.call("enable_instance", args.into_value())
            .await
            .map(drop)
    }

    /// Disables an instance (`DELETE /instances/{id}/enabled`): its calls are refused
    /// until it is enabled again. Safe to retry.
    pub async fn disable_instance(&self, instance_id: u64) -> Result<()> {
        let args = Named::default().set("instance_id", Some(instance_id));
        self.call("disable_instance", args.into_value())
            .await
            .map(drop)
    }

    /// The provider's authorize URL to send the user to
    /// (`GET /elements/{keyOrId}/oauth/url`). The secret never appears in logs or
    /// errors.
    pub async fn get_oauth_url(
        &self,
        element: impl Into<ElementRef>,
        request: OAuthUrl,
    ) -> Result<String> {
        let args = Named::default()
            .element("element", &element.into())
            .set("api_key", Some(request.api_key))
            .set("api_secret", Some(request.api_secret))
            .set("callback_url", Some(request.callback_url))
            .set("scope", request.scope)
            .set("state", request.state)
            .set("site_address", request.site_address)
            .set("request_token", request.request_token)
            .set("extra", request.extra);
        match self.call("get_oauth_url", args.into_value()).await? {
            Output::Text(url) => Ok(url),
            _ => Err(unexpected("a text")),
        }
    }

    /// An OAuth 1 request token and secret (`GET /elements/{keyOrId}/oauth/token`), the
    /// step before the authorize URL of an OAuth 1 element. The record's `secret` is
    /// kept out of `Debug`.
    pub async fn get_oauth1_token(
        &self,
        element: impl Into<ElementRef>,
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
        callback_url: impl Into<String>,
    ) -> Result<Record> {
        let args = Named::default()
            .element("element", &element.into())
            .set("api_key", Some(api_key.into()))
            .set("api_secret", Some(api_secret.into()))
            .set("callback_url", Some(callback_url.into()));
        into_record(self.call("get_oauth1_token", args.into_value()).await?)
    }

    /// A pager over the element catalogue (`GET /elements`), `page_size` 1 to 200.
    pub fn list_elements(&self, page_size: Option<u64>) -> Result<Pager> {
        let args = Named::default().set("page_size", page_size);
        self.pager("list_elements", args.into_value())
    }

    /// One element of the catalogue (`GET /elements/{keyOrId}`): `id`, `key`, `name`,
    /// `authentication_type`... ([`Record::get`], [`Record::text`]).
    pub async fn get_element(&self, key_or_id: impl Into<ElementRef>) -> Result<Record> {
        let args = Named::default().element("key_or_id", &key_or_id.into());
        into_record(self.call("get_element", args.into_value()).await?)
    }

    /// The configuration keys an element's instances take
    /// (`GET /elements/{keyOrId}/configuration`): `key`, `required`, `type`, `default`...
    pub async fn get_element_configuration(
        &self,
        key_or_id: impl Into<ElementRef>,
    ) -> Result<Vec<Record>> {
        let args = Named::default().element("key_or_id", &key_or_id.into());
        match self
            .call("get_element_configuration", args.into_value())
            .await?
        {
            Output::List(items) => items.into_iter().map(into_record).collect(),
            _ => Err(unexpected("a list")),
        }
    }
}

fn unexpected(what: &str) -> Error {
    Error::Internal {
        reason: format!("the operation's result is not {what}"),
    }
}

fn into_instance(out: Output) -> Result<Instance> {
    out.into_instance().ok_or_else(|| unexpected("an Instance"))
}

fn into_record(out: Output) -> Result<Record> {
    match out {
        Output::Record(r) => Ok(*r),
        _ => Err(unexpected("a record")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn list_options_reach_the_pager() {
        let c = Client::builder()
            .use_env(false)
            .base_url("http://127.0.0.1:9")
            .user_secret("u")
            .organization_secret("o")
            .build()
            .unwrap();
        let p = c
            .list_instances(
                ListInstances::new()
                    .tag("a")
                    .search("CRM")
                    .hydrate(false)
                    .page_size(7)
                    .cursor("abc"),
            )
            .unwrap();
        let dbg = format!("{p:?}");
        for want in [
            "\"search\": String(\"CRM\")",
            "\"hydrate\": Bool(false)",
            "\"page_size\": Number(7)",
        ] {
            assert!(dbg.contains(want), "{want} in {dbg}");
        }
        assert_eq!(p.cursor(), Some("abc"));
    }

    #[test]
    fn debug_output_names_the_request_and_hides_secrets() {
        let oauth = OAuthUrl::new("key-1", "app-s3cr3t", "https://app.example/cb")
            .state("st-1")
            .param("password", "pw-s3cr3t");
        let dbg = format!("{oauth:?}");
        assert!(
            dbg.starts_with("OAuthUrl { api_key: \"key-1\", api_secret: \"[REDACTED]\"")
                && dbg.contains("state: Some(\"st-1\")"),
            "{dbg}"
        );
        assert!(
            !dbg.contains("app-s3cr3t") && !dbg.contains("pw-s3cr3t"),
            "{dbg}"
        );
        let hub = HubRequest::post("/hubs/crm/contacts")
            .json(json!({"lastName": "L", "password": "pw-s3cr3t"}))
            .header("X-Trace", "trace-value-1")
            .query("a", 1);
        let dbg = format!("{hub:?}");
        assert!(
            dbg.starts_with("HubRequest { method: Post, path: \"/hubs/crm/contacts\"")
                && dbg.contains("X-Trace")
                && dbg.contains("\"lastName\": String(\"L\")"),
            "{dbg}"
        );
        assert!(
            !dbg.contains("pw-s3cr3t") && !dbg.contains("trace-value-1"),
            "{dbg}"
        );
    }
}
