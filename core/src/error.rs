//! The one error type of the SDK, with a stable, language-neutral code per kind.

use std::fmt;
use std::time::Duration;

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
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 11] = [
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
#[derive(Debug, Clone)]
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
}

impl Error {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
