//! Timestamps: stored as UTC milliseconds since the epoch; parsed from the date-time forms
//! Nextflow writes (`OffsetDateTime.toString()`, which omits zero seconds) and written back
//! as ISO-8601 UTC.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serializer};

pub fn now_millis() -> i64 {
    Timestamp::now().as_millisecond()
}

/// Parses `2019-05-06T12:04:20.558+02:00`, `2019-05-06T10:04Z`, `...Z` and friends.
pub fn parse_datetime(s: &str) -> Option<i64> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t.as_millisecond());
    }
    // Java omits `:ss` when seconds and fraction are zero: `yyyy-MM-ddTHH:mm<zone>`.
    if s.len() > 16 && s.as_bytes().get(10) == Some(&b'T') && s.as_bytes().get(13) == Some(&b':') {
        let (head, zone) = s.split_at(16);
        if zone.starts_with(['Z', '+', '-']) {
            return format!("{head}:00{zone}").parse::<Timestamp>().ok().map(|t| t.as_millisecond());
        }
    }
    None
}

/// `2019-05-06T10:04:20.558Z`, or `2019-05-06T10:04:00Z` on a whole second.
pub fn format_millis(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(t) if ms % 1000 == 0 => format!("{t:.0}"),
        Ok(t) => format!("{t:.3}"),
        Err(_) => String::new(),
    }
}

/// Serde adapter for `Option<i64>` milliseconds that reads a date-time string, an epoch
/// milliseconds number, or null (Nextflow writes an epoch of 0 as null).
pub mod opt_datetime {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw<'a> {
            Millis(i64),
            #[serde(borrow)]
            Text(std::borrow::Cow<'a, str>),
        }
        match Option::<Raw>::deserialize(d)? {
            None => Ok(None),
            Some(Raw::Millis(0)) => Ok(None),
            Some(Raw::Millis(ms)) => Ok(Some(ms)),
            Some(Raw::Text(s)) if s.is_empty() => Ok(None),
            Some(Raw::Text(s)) => parse_datetime(&s).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("invalid date-time '{s}', expected ISO-8601 such as 2024-05-06T12:04:20Z"))
            }),
        }
    }

    pub fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(ms) => s.serialize_str(&format_millis(*ms)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_nextflow_writes() {
        assert_eq!(parse_datetime("2019-05-06T12:04:20.558+02:00"), Some(1557137060558));
        assert_eq!(parse_datetime("2019-05-06T10:04:20.558Z"), Some(1557137060558));
        assert_eq!(parse_datetime("2019-05-06T10:04Z"), Some(1557137040000));
        assert_eq!(parse_datetime("2019-05-06T12:04+02:00"), Some(1557137040000));
        assert_eq!(parse_datetime("2026-01-02T22:29:03.789293868Z"), Some(1767392943789));
        assert_eq!(parse_datetime("yesterday"), None);
    }

    #[test]
    fn formats_as_utc_iso8601() {
        assert_eq!(format_millis(1557137060558), "2019-05-06T10:04:20.558Z");
        assert_eq!(format_millis(1557137040000), "2019-05-06T10:04:00Z");
    }
}
