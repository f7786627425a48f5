//! Time values as the report writes them: Unix seconds ↔ RFC 3339 UTC.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`; empty for values outside
/// years 0000–9999.
pub(crate) fn rfc3339(secs: i64) -> String {
    // Days to civil date (H. Hinnant's algorithm), no allocation but the result.
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        return String::new();
    }
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
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
pub(crate) fn now() -> i64 {
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
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339(253_402_300_800), "");
        assert_eq!(rfc3339(-62_167_219_201), "");
        // Agrees with the time crate over a range of days.
        for d in (-719_000i64..2_900_000).step_by(997) {
            let t = d * 86_400 + 45_296;
            let o = OffsetDateTime::from_unix_timestamp(t).unwrap();
            let expect = format!(
                "{:04}-{:02}-{:02}T12:34:56Z",
                o.year(),
                u8::from(o.month()),
                o.day()
            );
            assert_eq!(rfc3339(t), expect);
        }
    }
}
