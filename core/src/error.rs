//! The one error type of the SDK, with a stable, language-neutral code per kind.

use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::lang::Lang;

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The stable, language-neutral code of an [`Error`].
///
/// The same string is exposed as `code` by the Python and Node packages.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Bad input, refused before anything was sent.
    InvalidInput,
    /// The server could not be reached, or the connection broke.
    Connection,
    /// No complete answer within the timeout.
    Timeout,
    /// HTTP 400.
    BadRequest,
    /// HTTP 401.
    Authentication,
    /// HTTP 403.
    PermissionDenied,
    /// HTTP 404.
    NotFound,
    /// HTTP 409.
    Conflict,
    /// HTTP 429.
    RateLimited,
    /// HTTP 5xx, and any other unexpected status.
    Server,
    /// A success status whose body is not what the platform sends.
    Decode,
    /// The client was closed before the call.
    ClientClosed,
    /// A fault inside the SDK itself (a bug): reported, never a crash.
    Internal,
    /// The provider's OAuth redirect carried `error=...` (the user denied access).
    OAuthDenied,
    /// A webhook's `Elements-Webhook-Signature` is missing, malformed or wrong.
    WebhookSignature,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::InvalidInput,
        ErrorCode::Connection,
        ErrorCode::Timeout,
        ErrorCode::BadRequest,
        ErrorCode::Authentication,
        ErrorCode::PermissionDenied,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::RateLimited,
        ErrorCode::Server,
        ErrorCode::Decode,
        ErrorCode::ClientClosed,
        ErrorCode::Internal,
        ErrorCode::OAuthDenied,
        ErrorCode::WebhookSignature,
    ];

    /// The code as a `snake_case` string, e.g. `"not_found"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::Connection => "connection",
            ErrorCode::Timeout => "timeout",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Authentication => "authentication",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Server => "server",
            ErrorCode::Decode => "decode",
            ErrorCode::ClientClosed => "client_closed",
            ErrorCode::Internal => "internal",
            ErrorCode::OAuthDenied => "oauth_denied",
            ErrorCode::WebhookSignature => "webhook_signature",
        }
    }

    /// The code for an HTTP error status.
    pub const fn from_status(status: u16) -> ErrorCode {
        match status {
            400 => ErrorCode::BadRequest,
            401 => ErrorCode::Authentication,
            403 => ErrorCode::PermissionDenied,
            404 => ErrorCode::NotFound,
            409 => ErrorCode::Conflict,
            429 => ErrorCode::RateLimited,
            _ => ErrorCode::Server,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a failed request may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestSent {
    /// Surely not: the connection was never made (refused, DNS failure, connect timeout).
    No,
    /// Perhaps: the server may have received and acted on it. For a create, the
    /// instance may exist.
    Maybe,
}

/// An answer from the platform with an error status (anything but 2xx).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StatusError {
    /// The HTTP status.
    pub status: u16,
    /// `requestId` of the platform's error body, else the `elements-request-id` header.
    pub request_id: Option<String>,
    /// The `elements-request-id` response header.
    pub header_request_id: Option<String>,
    /// `message` of the platform's error body.
    pub message: Option<String>,
    /// `providerMessage` of the platform's error body: what the vendor said.
    pub provider_message: Option<String>,
    /// The `error` of `providerMessage` when that is a JSON object with one (an OAuth
    /// provider's `invalid_grant`: ask the user to authorize again).
    pub provider_error: Option<String>,
    /// `Retry-After`, in seconds or as an HTTP date, when the server sent one.
    pub retry_after: Option<Duration>,
    /// The raw body, as (lossy UTF-8) text.
    pub body: String,
}

impl StatusError {
    /// The error code for this status.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::from_status(self.status)
    }
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} ({})", self.status, self.code())?;
        match &self.message {
            Some(m) => write!(f, ": {m}")?,
            None if self.body.trim().is_empty() => f.write_str(": empty body")?,
            None => f.write_str(": the body is not a platform error")?,
        }
        if let Some(p) = &self.provider_message {
            write!(f, "; provider: {p}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

/// A success status whose body could not be decoded.
#[derive(Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// The HTTP status.
    pub status: u16,
    /// The `elements-request-id` response header.
    pub request_id: Option<String>,
    /// What was wrong.
    pub reason: String,
    /// The raw body, as (lossy UTF-8) text.
    pub body: String,
}

/// Debug shows the body's size, never the body: an undecodable 2xx may hold a live
/// token under a key the SDK does not know. Read it through [`Error::body`].
impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("reason", &self.reason)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode the HTTP {} response: {}",
            self.status, self.reason
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

fn sent_note(sent: &RequestSent) -> &'static str {
    match sent {
        RequestSent::No => "; the request was not sent",
        RequestSent::Maybe => {
            "; the request may have reached the server (a create may have succeeded)"
        }
    }
}

/// Every failure of the SDK. [`Error::code`] gives its stable code.
///
/// No variant ever holds a secret: secrets and tokens are kept out of messages.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad input, refused before anything was sent. `field` names the argument.
    #[error("invalid input: {field}: {reason}")]
    InvalidInput {
        /// The argument at fault, e.g. `element` or `user_secret`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server could not be reached, or the connection broke before a full answer.
    #[error("connection error: {reason}{} (after {attempts} attempt(s))", sent_note(.request_sent))]
    Connection {
        /// What the network stack said.
        reason: String,
        /// Whether the request may have reached the server.
        request_sent: RequestSent,
        /// How many attempts were made.
        attempts: u32,
    },
    /// No complete answer within the client's timeout.
    #[error("timed out after {timeout:?}{} (after {attempts} attempt(s))", sent_note(.request_sent))]
    Timeout {
        /// The timeout that ran out.
        timeout: Duration,
        /// Whether the request may have reached the server.
        request_sent: RequestSent,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The platform answered with an error status.
    #[error("{0}")]
    Status(Box<StatusError>),
    /// The platform answered 2xx with a body that is not what it should be.
    #[error("{0}")]
    Decode(Box<DecodeError>),
    /// The client was closed (Python `close()`), so nothing was sent.
    #[error("the client is closed; nothing was sent")]
    ClientClosed,
    /// A fault inside the SDK (a bug, e.g. a panic caught at the language boundary).
    #[error("internal error in the SDK (please report it): {reason}")]
    Internal {
        /// What went wrong.
        reason: String,
    },
    /// The provider's OAuth redirect carried `error=...` instead of a code.
    #[error("the OAuth provider refused: {error}{}", .description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    OAuthDenied {
        /// The provider's `error`, e.g. `access_denied`.
        error: String,
        /// The provider's `error_description`, when given.
        description: Option<String>,
    },
    /// A webhook failed verification: its signature header is missing or malformed,
    /// or does not match the body and key.
    #[error("webhook signature: {reason}")]
    WebhookSignature {
        /// What was wrong (never the signature or the key).
        reason: String,
    },
}

impl Error {
    /// An `invalid_input` error for argument `field` (named as the table names it).
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidInput { .. } => ErrorCode::InvalidInput,
            Error::Connection { .. } => ErrorCode::Connection,
            Error::Timeout { .. } => ErrorCode::Timeout,
            Error::Status(e) => e.code(),
            Error::Decode(_) => ErrorCode::Decode,
            Error::ClientClosed => ErrorCode::ClientClosed,
            Error::Internal { .. } => ErrorCode::Internal,
            Error::OAuthDenied { .. } => ErrorCode::OAuthDenied,
            Error::WebhookSignature { .. } => ErrorCode::WebhookSignature,
        }
    }

    /// The HTTP status, for status and decode errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// The platform's request id (body `requestId`, else the `elements-request-id` header).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Status(e) => e.request_id.as_deref(),
            Error::Decode(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The raw response body, for status and decode errors.
    pub fn body(&self) -> Option<&str> {
        match self {
            Error::Status(e) => Some(&e.body),
            Error::Decode(e) => Some(&e.body),
            _ => None,
        }
    }

    /// The status error, if this is one.
    pub fn as_status(&self) -> Option<&StatusError> {
        match self {
            Error::Status(e) => Some(e),
            _ => None,
        }
    }

    /// For invalid input, the argument at fault.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidInput { field, .. } => Some(field),
            _ => None,
        }
    }

    /// Whether the request may have reached the server: `Some(false)` only when it
    /// surely did not; `None` for errors where it did (a status or decode error) or
    /// where nothing was attempted (invalid input).
    pub fn request_sent(&self) -> Option<RequestSent> {
        match self {
            Error::Connection { request_sent, .. } | Error::Timeout { request_sent, .. } => {
                Some(*request_sent)
            }
            _ => None,
        }
    }

    /// `Retry-After`, for a status error that carried one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.as_status().and_then(|e| e.retry_after)
    }
}

/// The type of an error attribute, for the generated classes of each language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    /// Text, or absent.
    OptText,
    /// Text, always present for the class.
    Text,
    /// An integer, always present for the class.
    Int,
    /// An integer, or absent.
    OptInt,
    /// A duration in the language's unit (Python seconds, Node milliseconds), or absent.
    OptDuration,
    /// `"no"` or `"maybe"`, always present for the class.
    RequestSent,
}

/// One attribute an error class adds to its parent's.
#[derive(Debug, Clone, Copy)]
pub struct ErrorAttr {
    /// The name, `snake_case` (Node spells it `camelCase`).
    pub name: &'static str,
    /// Its type.
    pub ty: AttrType,
    /// One line of documentation.
    pub doc: &'static str,
    /// Whether it is left out of `inspect`/`JSON.stringify` (Node: not enumerable): a
    /// body that may hold secrets the SDK cannot recognise is read only on purpose.
    pub hidden: bool,
}

/// One error class of the Python and Node packages: the error vocabulary as a table,
/// from which `make gen` writes the exception classes, their stubs and declarations.
#[derive(Debug, Clone, Copy)]
pub struct ErrorClass {
    /// The class name, the same in Python and Node.
    pub name: &'static str,
    /// The parent class (`None` for the root).
    pub parent: Option<&'static str>,
    /// The code an error of this class has when none is given (the root: `"unknown"`).
    pub default_code: &'static str,
    /// The codes the SDK raises as this class.
    pub codes: &'static [ErrorCode],
    /// Python built-in exceptions it also derives from (`ValueError`, ...).
    pub python_bases: &'static [&'static str],
    /// Documentation.
    pub doc: &'static str,
    /// The attributes it adds.
    pub attrs: &'static [ErrorAttr],
}

const fn attr(name: &'static str, ty: AttrType, doc: &'static str) -> ErrorAttr {
    ErrorAttr {
        name,
        ty,
        doc,
        hidden: false,
    }
}

const fn class(
    name: &'static str,
    parent: Option<&'static str>,
    default_code: &'static str,
    codes: &'static [ErrorCode],
    doc: &'static str,
) -> ErrorClass {
    ErrorClass {
        name,
        parent,
        default_code,
        codes,
        python_bases: &[],
        doc,
        attrs: &[],
    }
}

/// Every error class, parents before children.
pub const ERROR_CLASSES: &[ErrorClass] = &[
    ErrorClass {
        attrs: &[attr(
            "code",
            AttrType::Text,
            "The core's stable error code, e.g. `not_found`.",
        )],
        ..class(
            "OpenConnectorsError",
            None,
            "unknown",
            &[],
            "The base class of every error the SDK raises. `code` is the core's stable error code.",
        )
    },
    ErrorClass {
        python_bases: &["ValueError"],
        attrs: &[
            attr(
                "field",
                AttrType::OptText,
                "The argument at fault, spelled as the caller's language spells it.",
            ),
            attr("reason", AttrType::OptText, "What is wrong with it."),
        ],
        ..class(
            "InvalidInputError",
            Some("OpenConnectorsError"),
            "invalid_input",
            &[ErrorCode::InvalidInput],
            "Bad input, refused before anything was sent. `field` names the argument.",
        )
    },
    ErrorClass {
        attrs: &[
            attr(
                "request_sent",
                AttrType::RequestSent,
                "`no` when the request surely did not reach the server, `maybe` when it may have (a create may have succeeded).",
            ),
            attr("attempts", AttrType::Int, "How many attempts were made."),
            attr("reason", AttrType::OptText, "What the network stack said."),
        ],
        ..class(
            "ApiConnectionError",
            Some("OpenConnectorsError"),
            "connection",
            &[ErrorCode::Connection],
            "The platform could not be reached, or the connection broke before a full answer.",
        )
    },
    ErrorClass {
        attrs: &[attr(
            "timeout",
            AttrType::OptDuration,
            "The timeout that ran out (Python: seconds; Node: milliseconds).",
        )],
        ..class(
            "ApiTimeoutError",
            Some("ApiConnectionError"),
            "timeout",
            &[ErrorCode::Timeout],
            "No complete answer within the timeout.",
        )
    },
    ErrorClass {
        attrs: &[
            attr("status", AttrType::Int, "The HTTP status."),
            attr(
                "request_id",
                AttrType::OptText,
                "The `elements-request-id` response header.",
            ),
            ErrorAttr {
                hidden: true,
                ..attr(
                    "body",
                    AttrType::Text,
                    "The response body, as text, with values under secret-looking keys redacted, cut at 8 KiB; read on purpose only (never in repr, inspect or JSON).",
                )
            },
            attr("reason", AttrType::OptText, "What was wrong with the body."),
        ],
        ..class(
            "ResponseDecodeError",
            Some("OpenConnectorsError"),
            "decode",
            &[ErrorCode::Decode],
            "The platform answered 2xx with a body that is not what it sends.",
        )
    },
    ErrorClass {
        attrs: &[
            attr("status", AttrType::Int, "The HTTP status."),
            attr(
                "request_id",
                AttrType::OptText,
                "`requestId` of the platform's error body, else the `elements-request-id` header.",
            ),
            attr(
                "header_request_id",
                AttrType::OptText,
                "The `elements-request-id` response header.",
            ),
            attr(
                "platform_message",
                AttrType::OptText,
                "`message` of the platform's error body: what the platform said.",
            ),
            attr(
                "provider_message",
                AttrType::OptText,
                "`providerMessage` of the platform's error body: what the vendor behind it said.",
            ),
            attr(
                "provider_error",
                AttrType::OptText,
                "The `error` of `providerMessage` when that is JSON with one (e.g. `invalid_grant`: the OAuth code was refused; ask the user to authorize again).",
            ),
            attr("body", AttrType::Text, "The raw response body, as text."),
            attr(
                "retry_after",
                AttrType::OptDuration,
                "`Retry-After`, when the server sent one (Python: seconds; Node: milliseconds).",
            ),
        ],
        ..class(
            "ApiStatusError",
            Some("OpenConnectorsError"),
            "server",
            &[],
            "The platform answered with an error status.",
        )
    },
    class(
        "BadRequestError",
        Some("ApiStatusError"),
        "bad_request",
        &[ErrorCode::BadRequest],
        "HTTP 400: the platform refused the request (bad configuration, a reused OAuth code...).",
    ),
    class(
        "AuthenticationError",
        Some("ApiStatusError"),
        "authentication",
        &[ErrorCode::Authentication],
        "HTTP 401: the user or organization secret (or the instance token) is wrong.",
    ),
    class(
        "PermissionDeniedError",
        Some("ApiStatusError"),
        "permission_denied",
        &[ErrorCode::PermissionDenied],
        "HTTP 403.",
    ),
    class(
        "NotFoundError",
        Some("ApiStatusError"),
        "not_found",
        &[ErrorCode::NotFound],
        "HTTP 404: no such instance or element.",
    ),
    class(
        "ConflictError",
        Some("ApiStatusError"),
        "conflict",
        &[ErrorCode::Conflict],
        "HTTP 409.",
    ),
    class(
        "RateLimitError",
        Some("ApiStatusError"),
        "rate_limited",
        &[ErrorCode::RateLimited],
        "HTTP 429. `retry_after` says when to try again, when the server said.",
    ),
    class(
        "InternalServerError",
        Some("ApiStatusError"),
        "server",
        &[ErrorCode::Server],
        "HTTP 5xx, and any other unexpected status (code `server`).",
    ),
    ErrorClass {
        python_bases: &["RuntimeError"],
        ..class(
            "ClientClosedError",
            Some("OpenConnectorsError"),
            "client_closed",
            &[ErrorCode::ClientClosed],
            "The client was closed before the call; nothing was sent.",
        )
    },
    ErrorClass {
        attrs: &[attr(
            "reason",
            AttrType::OptText,
            "What went wrong inside the SDK (e.g. the message of a caught panic).",
        )],
        ..class(
            "InternalError",
            Some("OpenConnectorsError"),
            "internal",
            &[ErrorCode::Internal],
            "A fault inside the SDK itself (a bug): reported as an error, never a crash.",
        )
    },
    ErrorClass {
        attrs: &[
            attr(
                "error",
                AttrType::Text,
                "The provider's `error`, e.g. `access_denied`.",
            ),
            attr(
                "error_description",
                AttrType::OptText,
                "The provider's `error_description`, when given.",
            ),
        ],
        ..class(
            "OAuthDeniedError",
            Some("OpenConnectorsError"),
            "oauth_denied",
            &[ErrorCode::OAuthDenied],
            "The OAuth callback carried an error instead of a code (the user denied access, or the provider refused).",
        )
    },
    ErrorClass {
        attrs: &[attr(
            "reason",
            AttrType::Text,
            "What was wrong: the header missing, not `sha256=<base64>`, or not matching.",
        )],
        ..class(
            "WebhookSignatureError",
            Some("OpenConnectorsError"),
            "webhook_signature",
            &[ErrorCode::WebhookSignature],
            "A webhook whose `Elements-Webhook-Signature` is missing, malformed or does not match its raw body and your signature key: do not trust it.",
        )
    },
];

impl ErrorClass {
    /// The class an error of this code is raised as.
    pub fn for_code(code: ErrorCode) -> &'static ErrorClass {
        ERROR_CLASSES
            .iter()
            .find(|c| c.codes.contains(&code))
            .unwrap_or(&ERROR_CLASSES[0])
    }

    /// The class by name.
    pub fn named(name: &str) -> Option<&'static ErrorClass> {
        ERROR_CLASSES.iter().find(|c| c.name == name)
    }

    /// Every attribute of the class, inherited ones first (each name once).
    pub fn all_attrs(&self) -> Vec<ErrorAttr> {
        let mut chain = vec![self];
        while let Some(parent) = chain.last().and_then(|c| c.parent).and_then(Self::named) {
            chain.push(parent);
        }
        let mut out: Vec<ErrorAttr> = Vec::new();
        for c in chain.iter().rev() {
            for a in c.attrs {
                if !out.iter().any(|o| o.name == a.name) {
                    out.push(*a);
                }
            }
        }
        out
    }
}

fn sent_text(sent: RequestSent) -> &'static str {
    match sent {
        RequestSent::No => "no",
        RequestSent::Maybe => "maybe",
    }
}

impl Error {
    /// The error class it is raised as in Python and Node.
    pub fn class(&self) -> &'static ErrorClass {
        ErrorClass::for_code(self.code())
    }

    /// The value of one attribute of the error table (`None` when it has none).
    fn attr_value(&self, name: &str, lang: Lang) -> Value {
        let text = |s: Option<&str>| s.map_or(Value::Null, |s| Value::String(s.to_owned()));
        let status = self.as_status();
        match (name, self) {
            ("code", _) => Value::String(self.code().as_str().to_owned()),
            ("field", Error::InvalidInput { field, .. }) => text(Some(field)),
            ("reason", Error::InvalidInput { reason, .. })
            | ("reason", Error::Connection { reason, .. })
            | ("reason", Error::Internal { reason })
            | ("reason", Error::WebhookSignature { reason }) => text(Some(reason)),
            ("reason", Error::Decode(d)) => text(Some(&d.reason)),
            ("request_sent", _) => text(self.request_sent().map(sent_text)),
            ("attempts", Error::Connection { attempts, .. })
            | ("attempts", Error::Timeout { attempts, .. }) => Value::from(*attempts),
            ("timeout", Error::Timeout { timeout, .. }) => lang.duration_json(*timeout),
            ("status", _) => self.status().map_or(Value::Null, Value::from),
            ("request_id", _) => text(self.request_id()),
            ("header_request_id", _) => text(status.and_then(|s| s.header_request_id.as_deref())),
            ("platform_message", _) => text(status.and_then(|s| s.message.as_deref())),
            ("provider_message", _) => text(status.and_then(|s| s.provider_message.as_deref())),
            ("provider_error", _) => text(status.and_then(|s| s.provider_error.as_deref())),
            ("error", Error::OAuthDenied { error, .. }) => text(Some(error)),
            ("error_description", Error::OAuthDenied { description, .. }) => {
                text(description.as_deref())
            }
            ("body", _) => text(self.body()),
            ("retry_after", _) => self
                .retry_after()
                .map_or(Value::Null, |d| lang.duration_json(d)),
            _ => Value::Null,
        }
    }

    /// The error as the language bindings raise it: `class`, `message` (the Display
    /// text) and every attribute of its class, named and counted as `lang` does.
    pub fn payload(&self, lang: Lang) -> Map<String, Value> {
        let class = self.class();
        let mut out = Map::new();
        out.insert("class".into(), Value::String(class.name.to_owned()));
        out.insert("message".into(), Value::String(self.to_string()));
        for a in class.all_attrs() {
            out.insert(lang.spell(a.name), self.attr_value(a.name, lang));
        }
        out
    }

    /// Respells the field of an invalid-input error for `lang`.
    pub fn spelled(self, lang: Lang) -> Error {
        match self {
            Error::InvalidInput { field, reason } => Error::InvalidInput {
                field: lang.spell_field(&field),
                reason,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_error_debug_shows_the_size_not_the_body() {
        let e = DecodeError {
            status: 200,
            request_id: Some("r-1".into()),
            reason: "missing field `token`".into(),
            body: r#"{"refresh":"live-t0ken-abc"}"#.into(),
        };
        let dbg = format!("{e:?}");
        assert_eq!(
            dbg,
            "DecodeError { status: 200, request_id: Some(\"r-1\"), reason: \"missing field `token`\", body: <28 bytes> }"
        );
    }

    fn payload_json(e: &Error, lang: Lang) -> Value {
        Value::Object(e.payload(lang))
    }

    #[test]
    fn payloads_carry_every_attribute_in_each_languages_spelling_and_units() {
        use serde_json::json;
        let e = Error::invalid("base_url", "is required");
        assert_eq!(
            payload_json(&e, Lang::Python),
            json!({"class": "InvalidInputError", "message": "invalid input: base_url: is required",
                   "code": "invalid_input", "field": "base_url", "reason": "is required"})
        );
        let e = Error::Connection {
            reason: "refused".into(),
            request_sent: RequestSent::No,
            attempts: 3,
        };
        let p = payload_json(&e, Lang::Node);
        assert_eq!(p["class"], "ApiConnectionError");
        assert_eq!(p["code"], "connection");
        assert_eq!(p["reason"], "refused");
        assert_eq!(p["requestSent"], "no");
        assert_eq!(p["attempts"], 3);
        let e = Error::Timeout {
            timeout: Duration::from_millis(1500),
            request_sent: RequestSent::Maybe,
            attempts: 2,
        };
        let (py, node) = (payload_json(&e, Lang::Python), payload_json(&e, Lang::Node));
        assert_eq!(
            (py["timeout"].as_f64(), node["timeout"].as_f64()),
            (Some(1.5), Some(1500.0))
        );
        assert_eq!(
            (py["request_sent"].as_str(), node["requestSent"].as_str()),
            (Some("maybe"), Some("maybe"))
        );
        assert_eq!(py["attempts"], 2);
        let e = Error::Status(Box::new(StatusError {
            status: 429,
            message: Some("slow down".into()),
            provider_message: Some("{\"error\":\"invalid_grant\"}".into()),
            provider_error: Some("invalid_grant".into()),
            request_id: Some("body-id".into()),
            header_request_id: Some("header-id".into()),
            retry_after: Some(Duration::from_secs(2)),
            body: "{}".into(),
        }));
        let (py, node) = (payload_json(&e, Lang::Python), payload_json(&e, Lang::Node));
        assert_eq!(py["class"], "RateLimitError");
        assert_eq!(py["status"], 429);
        assert_eq!(py["request_id"], "body-id");
        assert_eq!(node["headerRequestId"], "header-id");
        assert_eq!(py["platform_message"], "slow down");
        assert_eq!(node["providerMessage"], "{\"error\":\"invalid_grant\"}");
        assert_eq!(
            (
                py["provider_error"].as_str(),
                node["providerError"].as_str()
            ),
            (Some("invalid_grant"), Some("invalid_grant"))
        );
        assert_eq!(py["body"], "{}");
        assert_eq!(
            (py["retry_after"].as_f64(), node["retryAfter"].as_f64()),
            (Some(2.0), Some(2000.0))
        );
        let e = Error::Decode(Box::new(DecodeError {
            status: 200,
            request_id: Some("r".into()),
            reason: "not JSON".into(),
            body: "<html>".into(),
        }));
        let p = payload_json(&e, Lang::Python);
        assert_eq!(
            (p["code"].as_str(), p["reason"].as_str()),
            (Some("decode"), Some("not JSON"))
        );
        assert_eq!(
            (p["status"].as_u64(), p["body"].as_str()),
            (Some(200), Some("<html>"))
        );
        assert_eq!(p["request_id"], "r");
        let e = Error::Internal {
            reason: "a bug".into(),
        };
        let p = payload_json(&e, Lang::Node);
        assert_eq!(
            (p["class"].as_str(), p["reason"].as_str()),
            (Some("InternalError"), Some("a bug"))
        );
        let e = Error::OAuthDenied {
            error: "access_denied".into(),
            description: Some("no".into()),
        };
        let p = payload_json(&e, Lang::Node);
        assert_eq!(
            (p["class"].as_str(), p["code"].as_str()),
            (Some("OAuthDeniedError"), Some("oauth_denied"))
        );
        assert_eq!(
            (p["error"].as_str(), p["errorDescription"].as_str()),
            (Some("access_denied"), Some("no"))
        );
        let p = payload_json(&Error::ClientClosed, Lang::Python);
        assert_eq!(p["code"], "client_closed");
        assert_eq!(p["class"], "ClientClosedError");
    }

    #[test]
    fn status_error_display_says_what_the_body_was() {
        let mut e = StatusError {
            status: 502,
            message: None,
            provider_message: None,
            provider_error: None,
            request_id: None,
            header_request_id: None,
            retry_after: None,
            body: " \n".to_owned(),
        };
        assert_eq!(e.to_string(), "HTTP 502 (server): empty body");
        e.body = "<html>".to_owned();
        assert_eq!(
            e.to_string(),
            "HTTP 502 (server): the body is not a platform error"
        );
        e.message = Some("Bad gateway".to_owned());
        e.provider_message = Some("upstream".to_owned());
        e.request_id = Some("r-1".to_owned());
        assert_eq!(
            e.to_string(),
            "HTTP 502 (server): Bad gateway; provider: upstream [request id r-1]"
        );
    }

    #[test]
    fn codes_by_status() {
        assert_eq!(ErrorCode::from_status(400).as_str(), "bad_request");
        assert_eq!(ErrorCode::from_status(401).as_str(), "authentication");
        assert_eq!(ErrorCode::from_status(403).as_str(), "permission_denied");
        assert_eq!(ErrorCode::from_status(404).as_str(), "not_found");
        assert_eq!(ErrorCode::from_status(409).as_str(), "conflict");
        assert_eq!(ErrorCode::from_status(429).as_str(), "rate_limited");
        assert_eq!(ErrorCode::from_status(500).as_str(), "server");
        assert_eq!(ErrorCode::from_status(502).as_str(), "server");
        assert_eq!(ErrorCode::from_status(418).as_str(), "server");
    }

    #[test]
    fn display_mentions_what_matters() {
        let e = Error::Status(Box::new(StatusError {
            status: 404,
            request_id: Some("abc".into()),
            header_request_id: Some("abc".into()),
            message: Some("No element found".into()),
            provider_message: None,
            provider_error: None,
            retry_after: None,
            body: "{}".into(),
        }));
        assert_eq!(
            e.to_string(),
            "HTTP 404 (not_found): No element found [request id abc]"
        );
        let t = Error::Timeout {
            timeout: Duration::from_millis(300),
            request_sent: RequestSent::Maybe,
            attempts: 1,
        };
        assert!(t.to_string().contains("may have reached the server"));
    }

    #[test]
    fn every_code_has_one_class_and_payloads_follow_the_table() {
        for code in ErrorCode::ALL {
            let n = ERROR_CLASSES
                .iter()
                .filter(|c| c.codes.contains(&code))
                .count();
            assert_eq!(n, 1, "{code}");
            assert_eq!(ErrorClass::for_code(code).default_code, code.as_str());
        }
        let e = Error::Timeout {
            timeout: Duration::from_millis(1500),
            request_sent: RequestSent::Maybe,
            attempts: 2,
        };
        let py = e.payload(Lang::Python);
        assert_eq!(py["class"], "ApiTimeoutError");
        assert_eq!(py["timeout"], 1.5);
        assert_eq!(py["request_sent"], "maybe");
        assert_eq!(py["attempts"], 2);
        let node = e.payload(Lang::Node);
        assert_eq!(node["timeout"], 1500.0);
        assert_eq!(node["requestSent"], "maybe");
        let s = Error::Status(Box::new(StatusError {
            status: 429,
            request_id: Some("r".into()),
            header_request_id: None,
            message: Some("slow down".into()),
            provider_message: None,
            provider_error: None,
            retry_after: Some(Duration::from_secs(2)),
            body: "{}".into(),
        }));
        let node = s.payload(Lang::Node);
        assert_eq!(node["class"], "RateLimitError");
        assert_eq!(node["platformMessage"], "slow down");
        assert_eq!(node["retryAfter"], 2000.0);
        assert_eq!(node["status"], 429);
        assert_eq!(s.payload(Lang::Python)["retry_after"], 2.0);
        let i = Error::invalid("provider_data", "x").spelled(Lang::Node);
        assert_eq!(i.payload(Lang::Node)["field"], "providerData");
        assert_eq!(
            ErrorClass::for_code(ErrorCode::Server).name,
            "InternalServerError"
        );
        let attrs: Vec<&str> = ErrorClass::named("ApiTimeoutError")
            .unwrap()
            .all_attrs()
            .iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(
            attrs,
            ["code", "request_sent", "attempts", "reason", "timeout"]
        );
    }
}
