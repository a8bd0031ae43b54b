//! Pure job rules: retry backoff and cron occurrences.

use chrono::{DateTime, Duration, Utc};
use croner::Cron;

use crate::error::DomainError;

/// Delay before retry number `attempt` (1-based): 10 s doubling per attempt, capped at one hour.
/// Deterministic, so tests can move the clock to the exact retry time.
pub fn retry_delay(attempt: i32) -> Duration {
    let exp = attempt.clamp(1, 20) - 1;
    let secs = 10_i64.saturating_mul(1_i64 << exp);
    Duration::seconds(secs.min(3600))
}

/// Parses a cron expression (5 fields, or 6 with seconds), naming the field on failure.
pub fn parse_cron(field: &str, expr: &str) -> Result<Cron, DomainError> {
    Cron::new(expr)
        .with_seconds_optional()
        .parse()
        .map_err(|e| {
            DomainError::invalid(
                field,
                format!("{expr:?} is not a cron expression ({e}); e.g. \"0 3 * * *\""),
            )
        })
}

/// The first occurrence of `cron` strictly after `after`.
pub fn next_occurrence(cron: &Cron, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    cron.find_next_occurrence(&after, false).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(retry_delay(1), Duration::seconds(10));
        assert_eq!(retry_delay(2), Duration::seconds(20));
        assert_eq!(retry_delay(4), Duration::seconds(80));
        assert_eq!(retry_delay(30), Duration::seconds(3600));
    }

    #[test]
    fn cron_next_occurrence() {
        let cron = parse_cron("schedule", "0 3 * * *").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 5, 1, 3, 0, 0).unwrap();
        assert_eq!(
            next_occurrence(&cron, at).unwrap(),
            Utc.with_ymd_and_hms(2026, 5, 2, 3, 0, 0).unwrap()
        );
        assert!(parse_cron("schedule", "every day").is_err());
    }
}
