//! The element catalogue: what instances are created from.

use crate::model::{CONFIG_FIELD_MODEL, ELEMENT_MODEL};
use crate::ops::instances::{CURSOR, PAGE_SIZE};
use crate::ops::{
    AuthScope, HttpMethod, Location, Operation, Pagination, Param, ParamType, ResultKind,
    RetryClass, build_from_locations,
};

/// The `key_or_id` parameter of the element operations.
const KEY_OR_ID: Param = Param {
    name: "key_or_id",
    ty: ParamType::ElementRef,
    required: true,
    positional: true,
    secret: false,
    location: Location::Path("keyOrId"),
    doc: "The element: its key (e.g. `\"sfdc\"`) or numeric id.",
};

/// `list_elements`: `GET /elements`, paged.
pub const LIST_ELEMENTS: Operation = Operation {
    name: "list_elements",
    group: "elements",
    summary: "Lists the element catalogue, page by page.",
    doc: "`GET /elements` with `pageSize` (at most 200) and `nextPage`. Returns a pager of elements, fetched as it is read. Each page is safe to retry.",
    method: HttpMethod::Get,
    routes: &["/elements"],
    params: &[PAGE_SIZE, CURSOR],
    result: ResultKind::Model(&ELEMENT_MODEL),
    retry: RetryClass::Idempotent,
    auth: AuthScope::Organization,
    pagination: Some(Pagination::Cursor),
    node_single_object: false,
    example: r#"{"page_size": 50}"#,
    build: build_from_locations,
};

/// `get_element`: `GET /elements/{keyOrId}`.
pub const GET_ELEMENT: Operation = Operation {
    name: "get_element",
    group: "elements",
    summary: "Gets one element of the catalogue by key or id.",
    doc: "`GET /elements/{keyOrId}`. Unknown fields are kept (`to_dict()`, `toJSON()`, `raw()`). Safe to retry.",
    method: HttpMethod::Get,
    routes: &["/elements/{keyOrId}"],
    params: &[KEY_OR_ID],
    result: ResultKind::Model(&ELEMENT_MODEL),
    retry: RetryClass::Idempotent,
    auth: AuthScope::Organization,
    pagination: None,
    node_single_object: false,
    example: r#"{"key_or_id": "sfdc"}"#,
    build: build_from_locations,
};

/// `get_element_configuration`: `GET /elements/{keyOrId}/configuration`.
pub const GET_ELEMENT_CONFIGURATION: Operation = Operation {
    name: "get_element_configuration",
    group: "elements",
    summary: "Lists the configuration keys an element's instances take.",
    doc: "`GET /elements/{keyOrId}/configuration`: key, name, whether required, type, default, description and whether hidden, for building a create form or checking one. Safe to retry.",
    method: HttpMethod::Get,
    routes: &["/elements/{keyOrId}/configuration"],
    params: &[KEY_OR_ID],
    result: ResultKind::Models(&CONFIG_FIELD_MODEL),
    retry: RetryClass::Idempotent,
    auth: AuthScope::Organization,
    pagination: None,
    node_single_object: false,
    example: r#"{"key_or_id": "zendesk"}"#,
    build: build_from_locations,
};
