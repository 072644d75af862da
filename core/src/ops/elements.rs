//! The element catalogue: what instances are created from.

use crate::model::{CONFIG_FIELD_MODEL, ELEMENT_MODEL, FieldValue, Output};
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
    command: "elements list",
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
    precheck: None,
    example: r#"{"page_size": 50}"#,
    build: build_from_locations,
};

/// `get_element`: `GET /elements/{keyOrId}`.
pub const GET_ELEMENT: Operation = Operation {
    name: "get_element",
    group: "elements",
    command: "elements get",
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
    precheck: None,
    example: r#"{"key_or_id": "sfdc"}"#,
    build: build_from_locations,
};

/// `get_element_configuration`: `GET /elements/{keyOrId}/configuration`.
pub const GET_ELEMENT_CONFIGURATION: Operation = Operation {
    name: "get_element_configuration",
    group: "elements",
    command: "elements configuration",
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
    precheck: None,
    example: r#"{"key_or_id": "zendesk"}"#,
    build: build_from_locations,
};

/// The configuration keys a create must give, from the answer of
/// [`GET_ELEMENT_CONFIGURATION`]: the definitions marked required that have no default
/// value and are not internal to the platform (the platform fills those itself), in
/// the platform's order.
pub(crate) fn required_keys(definitions: &Output) -> Vec<String> {
    let Output::List(items) = definitions else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item {
            Output::Record(r) => Some(r),
            _ => None,
        })
        .filter(|r| matches!(r.get("required"), Some(FieldValue::Bool(true))))
        .filter(|r| !matches!(r.get("internal"), Some(FieldValue::Bool(true))))
        .filter(|r| r.text("default").is_none_or(|d| d.trim().is_empty()))
        .filter_map(|r| r.text("key"))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Record;
    use serde_json::{Value, json};

    fn defs(items: Value) -> Output {
        let Value::Array(items) = items else {
            unreachable!()
        };
        Output::List(
            items
                .into_iter()
                .map(|v| {
                    Output::Record(Box::new(Record::from_json(&CONFIG_FIELD_MODEL, v).unwrap()))
                })
                .collect(),
        )
    }

    #[test]
    fn required_keys_are_mandatory_without_default_and_not_internal() {
        let out = defs(json!([
            {"key": "a", "mandatory": true},
            {"key": "b", "mandatory": false},
            {"key": "c"},
            {"key": "d", "mandatory": true, "defaultValue": "x"},
            {"key": "e", "mandatory": true, "defaultValue": " "},
            {"key": "f", "mandatory": true, "defaultValue": null},
            {"key": "g", "mandatory": true, "internal": true},
            {"key": "h", "mandatory": true, "internal": false},
            {"key": "i", "mandatory": "true"},
        ]));
        assert_eq!(required_keys(&out), ["a", "e", "f", "h", "i"]);
        assert!(required_keys(&Output::Nothing).is_empty());
        assert!(required_keys(&Output::List(vec![Output::Text("a".into())])).is_empty());
    }
}
