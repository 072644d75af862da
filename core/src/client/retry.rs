//! The retry policy: which failures are retried, and how long to wait.

use std::time::Duration;

use crate::error::StatusError;

/// The longest `Retry-After` the client waits for; a longer one goes to the caller.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

const INITIAL_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// A `Retry-After` beyond this is read as this (it is refused anyway: above the cap).
const RETRY_AFTER_CLAMP: Duration = Duration::from_secs(31_622_400); // 366 days

/// Exponential backoff with jitter: `min(0.5 s · 2^(n-1), 8 s)`, times 0.75–1.0.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let exp = INITIAL_BACKOFF.saturating_mul(1 << attempt.saturating_sub(1).min(16));
    let base = exp.min(MAX_BACKOFF);
    base.mul_f64(1.0 - 0.25 * fastrand::f64())
}

/// For an idempotent request: how long to wait before retrying this status, if at all.
pub(crate) fn retry_delay_for_status(err: &StatusError, attempt: u32) -> Option<Duration> {
    match err.status {
        429 => match err.retry_after {
            // The platform also answers 429 for size limits; retry only when told when.
            Some(d) if d <= MAX_RETRY_AFTER => Some(d),
            _ => None,
        },
        502..=504 => match err.retry_after {
            Some(d) if d <= MAX_RETRY_AFTER => Some(d),
            Some(_) => None,
            None => Some(backoff(attempt)),
        },
        _ => None,
    }
}

/// `Retry-After` as seconds or an HTTP date; absurd values are clamped, never a panic.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(RETRY_AFTER_CLAMP));
    }
    if let Ok(secs) = v.parse::<f64>() {
        if !(secs.is_finite() && secs >= 0.0) {
            return None;
        }
        return Some(
            Duration::try_from_secs_f64(secs)
                .unwrap_or(RETRY_AFTER_CLAMP)
                .min(RETRY_AFTER_CLAMP),
        );
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO)
            .min(RETRY_AFTER_CLAMP),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        for attempt in 1..20 {
            let d = backoff(attempt);
            assert!(d <= MAX_BACKOFF, "{d:?}");
            assert!(d >= Duration::from_millis(375), "{d:?}");
        }
        assert!(backoff(3) >= Duration::from_millis(1500));
        assert!(backoff(1) <= INITIAL_BACKOFF);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1.5"), None);
        assert_eq!(parse_retry_after("inf"), None);
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("1e20"), Some(RETRY_AFTER_CLAMP));
        assert_eq!(
            parse_retry_after("99999999999999999999"),
            Some(RETRY_AFTER_CLAMP)
        );
        assert_eq!(
            parse_retry_after("18446744073709551615"),
            Some(RETRY_AFTER_CLAMP)
        );
    }

    fn status(code: u16, retry_after: Option<Duration>) -> StatusError {
        StatusError {
            status: code,
            request_id: None,
            header_request_id: None,
            message: None,
            provider_message: None,
            provider_error: None,
            retry_after,
            body: String::new(),
        }
    }

    #[test]
    fn which_statuses_are_retried() {
        let cap = Some(MAX_RETRY_AFTER);
        let over = Some(MAX_RETRY_AFTER + Duration::from_millis(1));
        assert_eq!(retry_delay_for_status(&status(429, cap), 1), cap);
        assert_eq!(retry_delay_for_status(&status(429, over), 1), None);
        assert_eq!(retry_delay_for_status(&status(429, None), 1), None);
        for code in [502, 503, 504] {
            assert_eq!(retry_delay_for_status(&status(code, cap), 1), cap);
            assert_eq!(retry_delay_for_status(&status(code, over), 1), None);
            assert!(retry_delay_for_status(&status(code, None), 1).is_some());
        }
        for code in [400, 401, 404, 409, 500, 501, 505] {
            assert_eq!(
                retry_delay_for_status(&status(code, cap), 1),
                None,
                "{code}"
            );
        }
    }
}
