//! Dates as the platform sends them: ISO 8601 text or epoch milliseconds. Parsing
//! and formatting are `jiff`'s.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::model::scalar::Scalar;

/// A date the platform sends either as ISO 8601 text or as epoch milliseconds.
/// The text is kept exactly as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timestamp {
    /// ISO 8601 text as sent, e.g. `"2018-04-11T18:25:46Z"`.
    Text(String),
    /// Milliseconds since the Unix epoch.
    EpochMillis(i64),
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let millis = |n: &serde_json::Number| {
            n.as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.is_finite() && f.abs() < 9.2e18)
                        .map(|f| f as i64)
                })
                .map(Timestamp::EpochMillis)
                .ok_or_else(|| serde::de::Error::custom("timestamp out of range"))
        };
        match Scalar::deserialize(d)? {
            Scalar::Str(s) => Ok(Timestamp::Text(s.into_owned())),
            Scalar::I64(i) => Ok(Timestamp::EpochMillis(i)),
            Scalar::U64(u) => millis(&serde_json::Number::from(u)),
            Scalar::F64(f) => match serde_json::Number::from_f64(f) {
                Some(n) => millis(&n),
                None => Err(serde::de::Error::custom("timestamp out of range")),
            },
            Scalar::Other(Value::Number(n)) => millis(&n),
            other => Err(serde::de::Error::custom(format!(
                "expected a date as text or epoch milliseconds, got {}",
                other.kind()
            ))),
        }
    }
}

impl Timestamp {
    /// The instant, when the text is ISO 8601 (with `Z` or an offset; text without
    /// one is read as UTC) or the number is in range.
    pub fn to_jiff(&self) -> Option<jiff::Timestamp> {
        match self {
            Timestamp::EpochMillis(ms) => jiff::Timestamp::from_millisecond(*ms).ok(),
            Timestamp::Text(s) => {
                let s = s.trim();
                s.parse::<jiff::Timestamp>().ok().or_else(|| {
                    s.parse::<jiff::civil::DateTime>()
                        .ok()
                        .and_then(|dt| jiff::tz::Offset::UTC.to_timestamp(dt).ok())
                })
            }
        }
    }

    /// Milliseconds since the Unix epoch, when the date is readable.
    pub fn epoch_millis(&self) -> Option<i64> {
        match self {
            Timestamp::EpochMillis(ms) => Some(*ms),
            Timestamp::Text(_) => self.to_jiff().map(|t| t.as_millisecond()),
        }
    }

    /// ISO 8601 text: the text as sent, or the epoch number formatted in UTC (`...Z`).
    pub fn to_iso8601(&self) -> String {
        match self {
            Timestamp::Text(s) => s.clone(),
            Timestamp::EpochMillis(ms) => jiff::Timestamp::from_millisecond(*ms)
                .map(|t| t.to_string())
                .unwrap_or_else(|_| ms.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> Option<i64> {
        Timestamp::Text(s.to_owned()).epoch_millis()
    }

    #[test]
    fn iso_dates() {
        assert_eq!(ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(ms("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(ms("1970-01-01T00:00:00.5Z"), Some(500));
        assert_eq!(ms("1970-01-01T00:00:01"), Some(1000));
        assert_eq!(ms("2018-04-11T18:25:46Z"), Some(1_523_471_146_000));
        assert_eq!(ms("yesterday"), None);
        assert_eq!(ms("2018-04-11T18:25:46+0\u{e9}:00"), None);
        assert_eq!(ms(""), None);
        assert_eq!(
            Timestamp::EpochMillis(1_709_208_000_000).to_iso8601(),
            "2024-02-29T12:00:00Z"
        );
        assert_eq!(
            Timestamp::EpochMillis(-1).to_iso8601(),
            "1969-12-31T23:59:59.999Z"
        );
        assert_eq!(
            Timestamp::EpochMillis(i64::MAX).to_iso8601(),
            i64::MAX.to_string()
        );
        assert_eq!(Timestamp::EpochMillis(i64::MAX).to_jiff(), None);
    }
}
