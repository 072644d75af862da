//! The exit status of each outcome: one per family of error codes, documented in the
//! README's "Command line" section (a test checks the two agree).

use open_connectors::ErrorCode;

/// Success.
pub const OK: i32 = 0;
/// A fault of the command line itself, or an error of no other family
/// (`internal`, `client_closed`).
pub const OTHER: i32 = 1;
/// Bad usage or input, refused before anything was sent: an unknown flag, a
/// malformed value, a missing setting or secret (`invalid_input`).
pub const USAGE: i32 = 2;

/// The exit statuses: status, what it means, the error codes it stands for.
pub const EXIT_STATUSES: &[(i32, &str, &[&str])] = &[
    (OK, "success", &[]),
    (
        OTHER,
        "an error of no other family",
        &["internal", "client_closed"],
    ),
    (
        USAGE,
        "bad usage or input, nothing sent (unknown flag, malformed value, missing setting or secret)",
        &["invalid_input"],
    ),
    (
        3,
        "the platform could not be reached, or no answer in time",
        &["connection", "timeout"],
    ),
    (
        4,
        "refused credentials or permission (HTTP 401, 403)",
        &["authentication", "permission_denied"],
    ),
    (5, "not found (HTTP 404)", &["not_found"]),
    (6, "conflict (HTTP 409)", &["conflict"]),
    (7, "rate limited (HTTP 429)", &["rate_limited"]),
    (8, "server error (HTTP 5xx, any other status)", &["server"]),
    (9, "an answer that could not be decoded", &["decode"]),
    (
        10,
        "the platform refused the request (HTTP 400)",
        &["bad_request"],
    ),
    (
        11,
        "a webhook signature that does not verify",
        &["webhook_signature"],
    ),
    (
        12,
        "the OAuth provider refused (error= in the callback)",
        &["oauth_denied"],
    ),
];

/// The exit status of an error code.
pub fn exit_code(code: ErrorCode) -> i32 {
    EXIT_STATUSES
        .iter()
        .find(|(_, _, codes)| codes.contains(&code.as_str()))
        .map_or(OTHER, |(status, _, _)| *status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_status() {
        for code in ErrorCode::ALL {
            let rows: Vec<_> = EXIT_STATUSES
                .iter()
                .filter(|(_, _, codes)| codes.contains(&code.as_str()))
                .collect();
            assert_eq!(rows.len(), 1, "{code}");
        }
        assert_eq!(exit_code(ErrorCode::NotFound), 5);
        assert_eq!(exit_code(ErrorCode::Authentication), 4);
        assert_eq!(exit_code(ErrorCode::PermissionDenied), 4);
        assert_eq!(exit_code(ErrorCode::InvalidInput), USAGE);
        assert_eq!(exit_code(ErrorCode::Internal), OTHER);
        let statuses: Vec<i32> = EXIT_STATUSES.iter().map(|r| r.0).collect();
        assert_eq!(statuses, (0..=12).collect::<Vec<_>>());
    }

    /// The README's table says the same as [`EXIT_STATUSES`].
    #[test]
    fn the_readme_documents_every_status() {
        let readme = include_str!("../../README.md");
        for (status, what, codes) in EXIT_STATUSES {
            let codes: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
            let row = format!("| {status} | {what} | {} |", codes.join(", "));
            assert!(readme.contains(&row), "README.md lacks the row {row:?}");
        }
    }
}
