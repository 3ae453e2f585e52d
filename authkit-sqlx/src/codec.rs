//! Values as the schemas store them: times as `BIGINT` microseconds since the Unix epoch
//! (UTC), counts, and `LIKE` patterns that match text literally.

use time::OffsetDateTime;

/// A time as stored: whole microseconds since the Unix epoch, UTC (sub-microsecond digits are
/// dropped; [`authkit_core::Clock`] already truncates to microseconds).
pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    let us = t.unix_timestamp_nanos().div_euclid(1000);
    i64::try_from(us).unwrap_or(if us < 0 { i64::MIN } else { i64::MAX })
}

/// A stored time back as an `OffsetDateTime` (UTC).
pub(crate) fn from_micros(us: i64) -> Result<OffsetDateTime, sqlx::Error> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|e| corrupt(format!("timestamp {us} out of range: {e}")))
}

pub(crate) fn opt_from_micros(us: Option<i64>) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    us.map(from_micros).transpose()
}

/// A duration in microseconds, saturating.
pub(crate) fn duration_micros(d: time::Duration) -> i64 {
    let us = d.whole_microseconds();
    i64::try_from(us).unwrap_or(if us < 0 { i64::MIN } else { i64::MAX })
}

pub(crate) fn corrupt(message: String) -> sqlx::Error {
    sqlx::Error::Decode(message.into())
}

/// The escape character of every `LIKE` pattern: not special in SQL string literals on any
/// backend (a backslash is, on MySQL).
pub(crate) const LIKE_ESCAPE: char = '!';

/// A `LIKE` pattern matching `text` as a literal substring: `%`, `_` and the escape character
/// are escaped.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | LIKE_ESCAPE) {
            pattern.push(LIKE_ESCAPE);
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_as_microseconds() {
        let t = time::macros::datetime!(2030-01-02 03:04:05.123456 UTC);
        assert_eq!(micros(t), 1_893_553_445_123_456);
        assert_eq!(from_micros(micros(t)).unwrap(), t);
        let before_epoch = time::macros::datetime!(1969-12-31 23:59:59.999999 UTC);
        assert_eq!(micros(before_epoch), -1);
        assert_eq!(from_micros(-1).unwrap(), before_epoch);
    }

    #[test]
    fn search_patterns_match_wildcards_literally() {
        assert_eq!(contains_pattern("a_b"), "%a!_b%");
        assert_eq!(contains_pattern("100%"), "%100!%%");
        assert_eq!(contains_pattern("hi!"), "%hi!!%");
        assert_eq!(contains_pattern("josé"), "%josé%");
    }
}
