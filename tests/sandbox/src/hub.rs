//! The CRM hub of each instance: `contacts` and `accounts` under
//! `/hubs/{hub}/{object}[/{id}]` (the hub segment is ignored, as on the platform),
//! with list (cursor pagination, OCNQL `where`, `orderBy`, `fields`), get, create,
//! update (JSON merge patch) and delete; the stores, their seeding, and the event
//! notification of every change.
//!
//! Each instance has its own [`Hub`], shared by the copies an instance update makes
//! and dropped with the instance. Records are kept in id order in a `Vec`; a seeded
//! record is only its id (its fields are computed, see `seed.rs`) until an update
//! stores it as a JSON object.

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::instances::{Instance, check_content_type, parse_body};
use crate::ocnql::{self, Cond, FieldPath, Row, Scalar, SortKey};
use crate::pagination::{self, Params, single};
use crate::platform::{PlatformError, bad_request, err};
use crate::server::{Reply, Shared};
use crate::util::{mix64, now_iso8601, write_json, write_json_str};
use crate::{seed, webhooks};

/// The default `pageSize` of a hub list ("defaults to 200, maximum 5000").
pub(crate) const DEFAULT_PAGE_SIZE: usize = 200;
/// The largest `pageSize` of a hub list.
pub(crate) const MAX_PAGE_SIZE: usize = 5_000;
/// The most records one `POST /__sandbox/hub/seed` creates.
pub(crate) const MAX_SEED: u64 = 1_000_000;

/// The objects of the CRM hub.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Object {
    Contacts,
    Accounts,
}

impl Object {
    pub(crate) const ALL: [Object; 2] = [Object::Contacts, Object::Accounts];

    pub(crate) fn from_name(name: &str) -> Option<Object> {
        match name {
            "contacts" => Some(Object::Contacts),
            "accounts" => Some(Object::Accounts),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Object::Contacts => "contacts",
            Object::Accounts => "accounts",
        }
    }

    fn singular(self) -> &'static str {
        match self {
            Object::Contacts => "contact",
            Object::Accounts => "account",
        }
    }
}

/// One record.
#[derive(Clone)]
enum Record {
    /// A seeded record, its fields computed from its id.
    Seeded,
    /// A JSON object (created, or a seeded record once updated).
    Stored(Arc<Map<String, Value>>),
}

/// The records of one object of one instance, in ascending id order.
#[derive(Default)]
pub(crate) struct Store {
    /// The last id given (ids start at 1 and are never reused until a hub reset).
    last_id: u64,
    records: Vec<(u64, Record)>,
}

impl Store {
    fn position(&self, id: u64) -> Option<usize> {
        self.records.binary_search_by_key(&id, |(i, _)| *i).ok()
    }

    fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }
}

/// The CRM hub of one instance.
#[derive(Default)]
pub(crate) struct Hub {
    contacts: RwLock<Store>,
    accounts: RwLock<Store>,
}

/// What `POST /__sandbox/hub/seed` did.
pub(crate) struct Seeded {
    pub first_id: Option<u64>,
    pub last_id: Option<u64>,
    pub total: usize,
}

impl Hub {
    fn lock(&self, object: Object) -> &RwLock<Store> {
        match object {
            Object::Contacts => &self.contacts,
            Object::Accounts => &self.accounts,
        }
    }

    fn read(&self, object: Object) -> RwLockReadGuard<'_, Store> {
        self.lock(object).read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self, object: Object) -> RwLockWriteGuard<'_, Store> {
        self.lock(object).write().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends `count` seeded records with the next ids.
    pub(crate) fn seed(&self, object: Object, count: u64) -> Seeded {
        let mut store = self.write(object);
        let first = store.last_id + 1;
        let last = store.last_id + count;
        store.records.reserve(count as usize);
        store
            .records
            .extend((first..=last).map(|id| (id, Record::Seeded)));
        store.last_id = last;
        Seeded {
            first_id: (count > 0).then_some(first),
            last_id: (count > 0).then_some(last),
            total: store.records.len(),
        }
    }

    /// Forgets the records of `object` and restarts its ids at 1.
    pub(crate) fn reset(&self, object: Object) {
        *self.write(object) = Store::default();
    }
}

// ---------------------------------------------------------------------------------
// Reading records

/// A record with what `where` and `orderBy` need to read it.
struct RowRef<'a> {
    object: Object,
    id: u64,
    record: &'a Record,
}

impl Row for RowRef<'_> {
    fn scalar(&self, path: &FieldPath) -> Option<Scalar<'_>> {
        match self.record {
            Record::Seeded => seed::scalar(self.object, self.id, path),
            Record::Stored(map) => lookup(map, path).map(|(_, v)| Scalar::of(v)),
        }
    }
}

/// A key of `map`: exact, else ignoring ASCII case (`Name` finds `name`).
fn get_key<'a>(map: &'a Map<String, Value>, key: &str) -> Option<(&'a String, &'a Value)> {
    map.get_key_value(key)
        .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
}

/// The value at `path` (a backquoted name first as one key), with the keys that led
/// to it.
fn lookup<'a>(map: &'a Map<String, Value>, path: &FieldPath) -> Option<(Vec<&'a str>, &'a Value)> {
    if let Some(literal) = &path.literal
        && let Some((k, v)) = get_key(map, literal)
    {
        return Some((vec![k.as_str()], v));
    }
    let (k, mut current) = get_key(map, &path.parts[0])?;
    let mut keys = vec![k.as_str()];
    for part in &path.parts[1..] {
        let (k, v) = get_key(current.as_object()?, part)?;
        keys.push(k.as_str());
        current = v;
    }
    Some((keys, current))
}

// ---------------------------------------------------------------------------------
// Writing records

/// How records are answered.
struct View<'a> {
    object: Object,
    /// `fields`: only these (absent: everything).
    fields: Option<&'a [FieldPath]>,
    /// `filter.response.nulls` of the instance (default true): `null` members are
    /// left out of objects.
    strip_nulls: bool,
}

impl View<'_> {
    fn write(&self, out: &mut Vec<u8>, id: u64, record: &Record) {
        match (self.fields, record) {
            (None, Record::Seeded) => seed::write(self.object, id, out),
            (None, Record::Stored(map)) => write_object(out, map, self.strip_nulls),
            (Some(fields), _) => {
                let projected = self.project(fields, id, record);
                write_object(out, &projected, self.strip_nulls);
            }
        }
    }

    fn project(&self, fields: &[FieldPath], id: u64, record: &Record) -> Map<String, Value> {
        let mut out = Map::new();
        for path in fields {
            match record {
                Record::Seeded => {
                    if let Some(v) = seed::value(self.object, id, path) {
                        let keys: Vec<&str> = path.parts.iter().map(String::as_str).collect();
                        insert_at(&mut out, &keys, v);
                    }
                }
                Record::Stored(map) => {
                    if let Some((keys, v)) = lookup(map, path) {
                        insert_at(&mut out, &keys, v.clone());
                    }
                }
            }
        }
        out
    }
}

fn insert_at(out: &mut Map<String, Value>, keys: &[&str], v: Value) {
    let (first, rest) = keys.split_first().expect("a path has a name");
    if rest.is_empty() {
        out.insert((*first).to_owned(), v);
        return;
    }
    let slot = out
        .entry((*first).to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(inner) = slot {
        insert_at(inner, rest, v);
    }
}

/// Appends `map` as JSON, without its `null` members (at any depth) when `strip_nulls`.
fn write_object(out: &mut Vec<u8>, map: &Map<String, Value>, strip_nulls: bool) {
    if !strip_nulls {
        write_json(out, map);
        return;
    }
    out.push(b'{');
    let mut first = true;
    for (k, v) in map {
        if v.is_null() {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        write_json_str(out, k);
        out.push(b':');
        write_stripped(out, v);
    }
    out.push(b'}');
}

fn write_stripped(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Object(m) => write_object(out, m, true),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_stripped(out, item);
            }
            out.push(b']');
        }
        other => write_json(out, other),
    }
}

// ---------------------------------------------------------------------------------
// Routes

/// Answers a hub route for the instance of the `Element` token (authorization done).
pub(crate) fn route(
    shared: &Shared,
    instance: &Arc<Instance>,
    parts: &Parts,
    body: &[u8],
    object: Object,
    id: Option<&str>,
) -> Result<Reply, PlatformError> {
    let params = pagination::query_params(parts.uri.query());
    let mut reply = match (&parts.method, id) {
        (&Method::GET, None) => list(shared, instance, object, &params),
        (&Method::POST, None) => create(shared, instance, object, parts, body),
        (&Method::GET, Some(id)) => get(instance, object, id, &params),
        (&Method::PATCH, Some(id)) => update(shared, instance, object, parts, body, id),
        (&Method::DELETE, Some(id)) => delete(shared, instance, object, id),
        _ => unreachable!("the routing table allows no other method"),
    }?;
    reply.header("elements-element-instance-id", &instance.id.to_string());
    Ok(reply)
}

fn not_found(object: Object, id: &str) -> PlatformError {
    err(
        StatusCode::NOT_FOUND,
        format!("No {} found with ID {id}", object.singular()),
    )
}

/// A record id is a positive decimal integer; anything else names no record (404).
fn parse_id(object: Object, id: &str) -> Result<u64, PlatformError> {
    let digits_only = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    match id.parse::<u64>() {
        Ok(n) if digits_only && n > 0 => Ok(n),
        _ => Err(not_found(object, id)),
    }
}

fn fields_param(params: &Params) -> Result<Option<Vec<FieldPath>>, PlatformError> {
    match single(params, "fields")? {
        Some(f) if !f.trim().is_empty() => ocnql::parse_fields(f)
            .map(Some)
            .map_err(|e| bad_request(format!("Invalid fields '{f}': {e}"))),
        _ => Ok(None),
    }
}

/// `GET /hubs/{hub}/{object}/{id}`.
fn get(
    instance: &Instance,
    object: Object,
    id: &str,
    params: &Params,
) -> Result<Reply, PlatformError> {
    let fields = fields_param(params)?;
    let n = parse_id(object, id)?;
    let record = {
        let store = instance.hub.read(object);
        let i = store.position(n).ok_or_else(|| not_found(object, id))?;
        store.records[i].1.clone()
    };
    let view = View {
        object,
        fields: fields.as_deref(),
        strip_nulls: instance.strips_nulls(),
    };
    let mut out = Vec::with_capacity(512);
    view.write(&mut out, n, &record);
    Ok(Reply::json(StatusCode::OK, out))
}

/// The fields a client cannot set: the id and the dates are the server's.
const SERVER_FIELDS: [&str; 3] = ["id", "createdDate", "modifiedDate"];

/// `POST /hubs/{hub}/{object}`: **200** with the new record and its `id`.
fn create(
    shared: &Shared,
    instance: &Instance,
    object: Object,
    parts: &Parts,
    body: &[u8],
) -> Result<Reply, PlatformError> {
    check_content_type(parts)?;
    let body = parse_body(body)?;
    let now = now_iso8601();
    let mut record = Map::with_capacity(body.len() + 3);
    let (id, record) = {
        let mut store = instance.hub.write(object);
        let id = store.next_id();
        record.insert("id".to_owned(), Value::from(id));
        for (k, v) in body {
            if !SERVER_FIELDS.contains(&k.as_str()) {
                record.insert(k, v);
            }
        }
        record.insert("createdDate".to_owned(), Value::String(now.clone()));
        record.insert("modifiedDate".to_owned(), Value::String(now));
        let record = Arc::new(record);
        store
            .records
            .push((id, Record::Stored(Arc::clone(&record))));
        (id, record)
    };
    let reply = answer(instance, object, id, &Record::Stored(record));
    webhooks::notify(
        shared,
        instance,
        object,
        id,
        webhooks::EventType::Created,
        &reply.body,
    );
    Ok(reply)
}

/// The record as GET answers it.
fn answer(instance: &Instance, object: Object, id: u64, record: &Record) -> Reply {
    let view = View {
        object,
        fields: None,
        strip_nulls: instance.strips_nulls(),
    };
    let mut out = Vec::with_capacity(512);
    view.write(&mut out, id, record);
    Reply::json(StatusCode::OK, out)
}

/// JSON merge patch (RFC 7396): objects merged member by member, `null` removes a
/// member, anything else replaces it (a new member goes last).
fn merge_patch(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, v) in patch {
        match v {
            Value::Null => {
                target.shift_remove(&k);
            }
            Value::Object(inner) => match target.get_mut(&k) {
                Some(Value::Object(existing)) => merge_patch(existing, inner),
                _ => {
                    let mut fresh = Map::new();
                    merge_patch(&mut fresh, inner);
                    target.insert(k, Value::Object(fresh));
                }
            },
            v => {
                target.insert(k, v);
            }
        }
    }
}

/// `PATCH /hubs/{hub}/{object}/{id}`: the body merged into the record (JSON merge
/// patch), `modifiedDate` set; **200** with the whole record.
fn update(
    shared: &Shared,
    instance: &Instance,
    object: Object,
    parts: &Parts,
    body: &[u8],
    id: &str,
) -> Result<Reply, PlatformError> {
    check_content_type(parts)?;
    let mut patch = parse_body(body)?;
    let n = parse_id(object, id)?;
    for k in SERVER_FIELDS {
        patch.shift_remove(k);
    }
    let record = {
        let mut store = instance.hub.write(object);
        let i = store.position(n).ok_or_else(|| not_found(object, id))?;
        let mut map = match &store.records[i].1 {
            Record::Seeded => seed::to_map(object, n),
            Record::Stored(map) => Map::clone(map),
        };
        merge_patch(&mut map, patch);
        map.insert("modifiedDate".to_owned(), Value::String(now_iso8601()));
        let record = Record::Stored(Arc::new(map));
        store.records[i].1 = record.clone();
        record
    };
    let reply = answer(instance, object, n, &record);
    webhooks::notify(
        shared,
        instance,
        object,
        n,
        webhooks::EventType::Updated,
        &reply.body,
    );
    Ok(reply)
}

/// `DELETE /hubs/{hub}/{object}/{id}`: **200** with an empty body.
fn delete(
    shared: &Shared,
    instance: &Instance,
    object: Object,
    id: &str,
) -> Result<Reply, PlatformError> {
    let n = parse_id(object, id)?;
    let (_, record) = {
        let mut store = instance.hub.write(object);
        let i = store.position(n).ok_or_else(|| not_found(object, id))?;
        store.records.remove(i)
    };
    let last = answer(instance, object, n, &record);
    webhooks::notify(
        shared,
        instance,
        object,
        n,
        webhooks::EventType::Deleted,
        &last.body,
    );
    Ok(Reply::new(StatusCode::OK, Bytes::new()))
}

// ---------------------------------------------------------------------------------
// Lists

/// Where a page starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Position {
    /// After this id, in id order (lists without `orderBy`).
    After(u64),
    /// After this many records, in the order of `orderBy` (or of `page`).
    Offset(u64),
}

fn check(instance_id: u64, object: Object, position: Position) -> String {
    let (salt, n) = match position {
        Position::After(n) => (0x6166_7465_7200_0000u64, n),
        Position::Offset(n) => (0x6f66_6673_6574_0000u64, n),
    };
    let object_salt = match object {
        Object::Contacts => 0x636f_6e74,
        Object::Accounts => 0x6163_636f,
    };
    format!(
        "{:016x}",
        mix64(
            salt ^ object_salt
                ^ instance_id.rotate_left(23)
                ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        )
    )
}

/// Standard base64 of `{"list", "after"|"offset", "check"}`, like the platform's
/// tokens; bound to the instance and the object.
fn encode_token(instance_id: u64, object: Object, position: Position) -> String {
    let (name, n) = match position {
        Position::After(n) => ("after", n),
        Position::Offset(n) => ("offset", n),
    };
    let mut m = Map::new();
    m.insert("list".to_owned(), Value::String(object.name().to_owned()));
    m.insert(name.to_owned(), Value::from(n));
    m.insert(
        "check".to_owned(),
        Value::String(check(instance_id, object, position)),
    );
    BASE64.encode(Value::Object(m).to_string())
}

fn decode_token(instance_id: u64, object: Object, token: &str) -> Option<Position> {
    let bytes = BASE64.decode(token).ok()?;
    let m: Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
    if m.len() != 3 || m.get("list")?.as_str()? != object.name() {
        return None;
    }
    let position = match (m.get("after"), m.get("offset")) {
        (Some(n), None) => Position::After(n.as_u64()?),
        (None, Some(n)) => Position::Offset(n.as_u64()?),
        _ => return None,
    };
    (m.get("check")?.as_str()? == check(instance_id, object, position)).then_some(position)
}

/// The query of a hub list.
struct ListQuery {
    size: usize,
    position: Position,
    /// The `nextPage` token as received.
    token: Option<String>,
    filter: Option<Cond>,
    order: Vec<SortKey>,
    fields: Option<Vec<FieldPath>>,
}

fn list_query(
    instance: &Instance,
    object: Object,
    params: &Params,
) -> Result<ListQuery, PlatformError> {
    let size = pagination::page_size(
        single(params, "pageSize")?,
        DEFAULT_PAGE_SIZE,
        MAX_PAGE_SIZE,
    )?;
    let filter = match single(params, "where")? {
        Some(w) if !w.trim().is_empty() => Some(
            ocnql::parse_where(w).map_err(|e| bad_request(format!("Invalid where '{w}': {e}")))?,
        ),
        _ => None,
    };
    let order = match single(params, "orderBy")? {
        Some(o) if !o.trim().is_empty() => ocnql::parse_order_by(o)
            .map_err(|e| bad_request(format!("Invalid orderBy '{o}': {e}")))?,
        _ => Vec::new(),
    };
    let fields = fields_param(params)?;
    let token = single(params, "nextPage")?.filter(|t| !t.is_empty());
    let page = single(params, "page")?.filter(|p| !p.is_empty());
    let position = match (token, page) {
        (Some(_), Some(_)) => {
            return Err(bad_request(
                "Give nextPage or page, not both: nextPage continues a cursor, page counts pages from 1",
            ));
        }
        (Some(t), None) => {
            let p = decode_token(instance.id, object, t)
                .ok_or_else(|| bad_request("Invalid nextPage token"))?;
            // A token of an id-ordered list is no use for a sorted one, and back.
            if matches!(p, Position::After(_)) != order.is_empty() {
                return Err(bad_request(
                    "Invalid nextPage token: it belongs to a list with another orderBy",
                ));
            }
            p
        }
        (None, Some(p)) => {
            let n = p
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= 1 && p.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| {
                    bad_request(format!("Invalid page '{p}': expected an integer from 1"))
                })?;
            Position::Offset((n - 1).saturating_mul(size as u64))
        }
        (None, None) if order.is_empty() => Position::After(0),
        (None, None) => Position::Offset(0),
    };
    Ok(ListQuery {
        size,
        position,
        token: token.map(str::to_owned),
        filter,
        order,
        fields,
    })
}

/// `GET /hubs/{hub}/{object}`: a page of the records matching `where`, in id order
/// or the order of `orderBy`, with the pagination headers of `GET /instances`.
fn list(
    shared: &Shared,
    instance: &Instance,
    object: Object,
    params: &Params,
) -> Result<Reply, PlatformError> {
    let query = list_query(instance, object, params)?;
    let quirks = shared.state().pagination;
    let (page, total) = select(instance, object, &query);
    let view = View {
        object,
        fields: query.fields.as_deref(),
        strip_nulls: instance.strips_nulls(),
    };
    let mut out = Vec::with_capacity(page.len() * 420 + 2);
    out.push(b'[');
    for (i, (id, record)) in page.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        view.write(&mut out, *id, record);
    }
    out.push(b']');
    let mut reply = Reply::json(StatusCode::OK, out);
    reply.header("elements-returned-count", &page.len().to_string());
    if !quirks.omit_total {
        reply.header("elements-total-count", &total.to_string());
    }
    // A full page has a token even when nothing follows, as on the platform.
    let next = if quirks.repeat_token {
        Some(query.token.clone().unwrap_or_else(|| {
            let first = if query.order.is_empty() {
                Position::After(0)
            } else {
                Position::Offset(0)
            };
            encode_token(instance.id, object, first)
        }))
    } else if page.len() == query.size {
        // An id-ordered list continues after its last id (also after a `page`).
        let position = match query.position {
            Position::Offset(n) if !query.order.is_empty() => {
                Position::Offset(n + page.len() as u64)
            }
            _ => Position::After(page.last().map_or(0, |(id, _)| *id)),
        };
        Some(encode_token(instance.id, object, position))
    } else {
        None
    };
    if let Some(token) = next {
        reply.header("elements-next-page-token", &token);
    }
    Ok(reply)
}

/// The records of the page (cloned: the store is unlocked before they are written)
/// and the number of all matching records.
fn select(instance: &Instance, object: Object, query: &ListQuery) -> (Vec<(u64, Record)>, usize) {
    let store = instance.hub.read(object);
    let take = |items: &mut dyn Iterator<Item = (u64, &Record)>| -> Vec<(u64, Record)> {
        items
            .take(query.size)
            .map(|(id, r)| (id, r.clone()))
            .collect()
    };
    let offset = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    // Everything, in id order: no scan.
    if query.filter.is_none() && query.order.is_empty() {
        let start = match query.position {
            Position::After(after) => store.records.partition_point(|(id, _)| *id <= after),
            Position::Offset(n) => offset(n).min(store.records.len()),
        };
        let mut items = store.records[start..].iter().map(|(id, r)| (*id, r));
        return (take(&mut items), store.records.len());
    }
    let matching: Vec<(u64, &Record)> = store
        .records
        .iter()
        .filter(|(id, record)| {
            query.filter.as_ref().is_none_or(|f| {
                f.matches(&RowRef {
                    object,
                    id: *id,
                    record,
                })
            })
        })
        .map(|(id, r)| (*id, r))
        .collect();
    let total = matching.len();
    if query.order.is_empty() {
        let start = match query.position {
            Position::After(after) => matching.partition_point(|(id, _)| *id <= after),
            Position::Offset(n) => offset(n).min(total),
        };
        let mut items = matching[start..].iter().copied();
        return (take(&mut items), total);
    }
    let mut keyed: Vec<(Vec<Option<Scalar<'_>>>, u64, &Record)> = matching
        .into_iter()
        .map(|(id, record)| {
            let row = RowRef { object, id, record };
            let keys = query
                .order
                .iter()
                .map(|k| row.scalar(&k.field).map(owned))
                .collect();
            (keys, id, record)
        })
        .collect();
    keyed.sort_by(|a, b| {
        for (i, key) in query.order.iter().enumerate() {
            let o = ocnql::sort_cmp(a.0[i].as_ref(), b.0[i].as_ref(), key.descending);
            if o.is_ne() {
                return o;
            }
        }
        a.1.cmp(&b.1)
    });
    let start = match query.position {
        Position::Offset(n) => offset(n).min(total),
        Position::After(_) => unreachable!("a sorted list pages by offset"),
    };
    let mut items = keyed[start..].iter().map(|(_, id, r)| (*id, *r));
    (take(&mut items), total)
}

/// A scalar that no longer borrows the row it was read from.
fn owned(s: Scalar<'_>) -> Scalar<'static> {
    match s {
        Scalar::Null => Scalar::Null,
        Scalar::Bool(b) => Scalar::Bool(b),
        Scalar::Int(i) => Scalar::Int(i),
        Scalar::Float(f) => Scalar::Float(f),
        Scalar::Str(s) => Scalar::Str(std::borrow::Cow::Owned(s.into_owned())),
        Scalar::Complex => Scalar::Complex,
    }
}

/// The JSON answer of `POST /__sandbox/hub/seed`.
pub(crate) fn seeded_json(instance_id: u64, object: Object, count: u64, seeded: &Seeded) -> Value {
    json!({
        "instance_id": instance_id,
        "object": object.name(),
        "created": count,
        "first_id": seeded.first_id,
        "last_id": seeded.last_id,
        "total": seeded.total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_bound() {
        for p in [
            Position::After(0),
            Position::After(5_000),
            Position::Offset(200),
        ] {
            let t = encode_token(477_858, Object::Contacts, p);
            assert_eq!(decode_token(477_858, Object::Contacts, &t), Some(p));
            assert_eq!(
                decode_token(477_859, Object::Contacts, &t),
                None,
                "another instance"
            );
            assert_eq!(
                decode_token(477_858, Object::Accounts, &t),
                None,
                "another object"
            );
        }
        let forged = BASE64.encode(r#"{"list":"contacts","after":5,"check":"0000000000000000"}"#);
        assert_eq!(decode_token(1, Object::Contacts, &forged), None);
        assert_eq!(decode_token(1, Object::Contacts, "x"), None);
    }

    #[test]
    fn merge_patch_is_rfc_7396() {
        let Value::Object(mut target) = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1], "f": "x"})
        else {
            unreachable!()
        };
        let Value::Object(patch) = json!({"a": null, "b": {"c": null, "z": {"y": null, "w": 1}}, "e": {"n": 1}, "g": true})
        else {
            unreachable!()
        };
        merge_patch(&mut target, patch);
        assert_eq!(
            Value::Object(target).to_string(),
            r#"{"b":{"d":3,"z":{"w":1}},"e":{"n":1},"f":"x","g":true}"#
        );
    }

    #[test]
    fn nulls_are_stripped_at_any_depth() {
        let Value::Object(m) =
            json!({"a": null, "b": {"c": null, "d": [null, {"e": null}]}, "f": 1})
        else {
            unreachable!()
        };
        let mut out = Vec::new();
        write_object(&mut out, &m, true);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"b":{"d":[null,{}]},"f":1}"#
        );
        let mut out = Vec::new();
        write_object(&mut out, &m, false);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":null,"b":{"c":null,"d":[null,{"e":null}]},"f":1}"#
        );
    }

    #[test]
    fn projection_builds_nested_objects() {
        let Value::Object(m) =
            json!({"id": 1, "Name": "x", "address": {"city": "Paris", "zip": "1"}, "a.b": 2})
        else {
            unreachable!()
        };
        let record = Record::Stored(Arc::new(m));
        let fields = ocnql::parse_fields("id,name,address.city,`a.b`,missing").unwrap();
        let view = View {
            object: Object::Contacts,
            fields: Some(&fields),
            strip_nulls: true,
        };
        let mut out = Vec::new();
        view.write(&mut out, 1, &record);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"id":1,"Name":"x","address":{"city":"Paris"},"a.b":2}"#
        );
        let mut out = Vec::new();
        let fields = ocnql::parse_fields("address.city,firstName").unwrap();
        View {
            fields: Some(&fields),
            ..view
        }
        .write(&mut out, 17, &Record::Seeded);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"address":{"city":"London"},"firstName":"Alan"}"#
        );
    }
}
