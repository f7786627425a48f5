//! Time values as the report writes them: Unix seconds ↔ RFC 3339 UTC.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`; empty for values outside
/// years 0000–9999.
pub fn rfc3339(secs: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) if (0..=9999).contains(&t.year()) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        _ => String::new(),
    }
}

/// Parses an RFC 3339 timestamp (any offset) into Unix seconds. A bare
/// integer is accepted as Unix seconds too.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// Current time in Unix seconds.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1769438410), "2026-01-26T14:40:10Z");
        assert_eq!(parse_rfc3339("2026-01-26T15:40:10+01:00"), Some(1769438410));
        assert_eq!(parse_rfc3339("1769438410"), Some(1769438410));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
