//! Measurements pulled from a Prometheus or OpenMetrics text endpoint: an SLO names the page
//! and two series selectors (good and total), each summed over the series it matches. Counters
//! only grow, so each pull ingests the increase since the previous one; a counter that went
//! down was reset, and its new value is the increase (Prometheus's own rule). The first pull
//! only records where the counters stand.
//!
//! Selectors are a metric name with optional label matchers, `=` and `!=` (no regular
//! expressions): `http_requests_total{job="api",code!="500"}`. Latency SLOs pull a histogram:
//! good is the bucket at the threshold (`…_bucket{le="0.3"}`), total the `…_count`; such
//! slices carry counts without a sketch, so they have no quantiles.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::*;
use crate::assurance::Fetch;

/// Where an SLO's measurements are pulled from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MetricsSource {
    /// The text endpoint, `http://` or `https://`.
    pub url: String,
    /// Selector of the good-events counter(s), e.g. `http_requests_total{code!="500"}`.
    pub good: String,
    /// Selector of the total-events counter(s), e.g. `http_requests_total`.
    pub total: String,
    /// Seconds between pulls (60 to 3600; default 60).
    #[serde(default = "default_interval")]
    pub interval_seconds: u32,
}

fn default_interval() -> u32 {
    60
}

/// Where the last pull left the counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PullState {
    /// When it ran.
    pub at: DateTime<Utc>,
    /// The good counter's sum then.
    #[serde(default)]
    pub good: Option<f64>,
    /// The total counter's sum then.
    #[serde(default)]
    pub total: Option<f64>,
    /// Why it failed, if it did.
    #[serde(default)]
    pub error: Option<String>,
}

/// One label matcher.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Matcher {
    label: String,
    value: String,
    equal: bool,
}

/// A parsed selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    name: String,
    matchers: Vec<Matcher>,
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// Splits `a="x",b!="y"` into pairs, honouring quotes and `\"` escapes.
fn label_pairs(body: &str) -> Result<Vec<(String, String, bool)>, String> {
    let mut out = Vec::new();
    let mut rest = body.trim();
    while !rest.is_empty() {
        let op_at = rest
            .find(['=', '!'])
            .ok_or_else(|| format!("expected a label matcher at `{rest}`"))?;
        let (label, after) = rest.split_at(op_at);
        let label = label.trim().to_owned();
        let (equal, after) = if let Some(a) = after.strip_prefix("!=") {
            (false, a)
        } else if let Some(a) = after.strip_prefix('=') {
            if a.starts_with('~') {
                return Err("regular-expression matchers (=~, !~) are not supported".into());
            }
            (true, a)
        } else {
            return Err("regular-expression matchers (=~, !~) are not supported".into());
        };
        if !is_name(&label) {
            return Err(format!("`{label}` is not a label name"));
        }
        let after = after.trim_start();
        let quoted = after
            .strip_prefix('"')
            .ok_or_else(|| format!("the value of {label} must be in double quotes"))?;
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, e)) => value.push(e),
                    None => break,
                },
                '"' => {
                    end = Some(i);
                    break;
                }
                c => value.push(c),
            }
        }
        let end = end.ok_or_else(|| format!("the value of {label} has no closing quote"))?;
        out.push((label, value, equal));
        rest = quoted
            .get(end + 1..)
            .unwrap_or("")
            .trim_start()
            .trim_start_matches(',')
            .trim_start();
    }
    Ok(out)
}

impl Selector {
    /// Parses `name` or `name{label="v",other!="w"}`.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let text = text.trim();
        let (name, labels) = match text.split_once('{') {
            Some((n, rest)) => (
                n.trim(),
                Some(
                    rest.strip_suffix('}')
                        .ok_or("a selector's label matchers end with }")?,
                ),
            ),
            None => (text, None),
        };
        if !is_name(name) {
            return Err(format!("`{name}` is not a metric name"));
        }
        let matchers = labels
            .map(label_pairs)
            .transpose()?
            .unwrap_or_default()
            .into_iter()
            .map(|(label, value, equal)| Matcher {
                label,
                value,
                equal,
            })
            .collect();
        Ok(Selector {
            name: name.to_owned(),
            matchers,
        })
    }

    /// The sum of the samples in `page` this selector matches; `None` when none match.
    pub fn sum(&self, page: &str) -> Option<f64> {
        let mut total = None;
        for line in page.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((name, labels, value)) = sample(line) else {
                continue;
            };
            if name != self.name {
                continue;
            }
            let pairs = labels
                .map(label_pairs)
                .transpose()
                .ok()
                .flatten()
                .unwrap_or_default();
            let matches = self.matchers.iter().all(|m| {
                let have = pairs
                    .iter()
                    .find(|(l, _, _)| *l == m.label)
                    .map_or("", |(_, v, _)| v.as_str());
                (have == m.value) == m.equal
            });
            if matches && value.is_finite() {
                total = Some(total.unwrap_or(0.0) + value);
            }
        }
        total
    }
}

/// Splits one exposition line into name, label text and value.
fn sample(line: &str) -> Option<(&str, Option<&str>, f64)> {
    let (name, labels, rest) = match line.find('{') {
        Some(open) if line.find(' ').is_none_or(|space| open < space) => {
            let close = line.rfind('}')?;
            (
                line.get(..open)?,
                Some(line.get(open + 1..close)?),
                line.get(close + 1..)?,
            )
        }
        _ => {
            let (n, r) = line.split_once(' ')?;
            (n, None, r)
        }
    };
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    Some((name.trim(), labels, value))
}

/// Checks a source: scheme, selectors, interval.
pub fn check_source(s: &MetricsSource) -> Result<MetricsSource, (&'static str, String)> {
    let url = s.url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://"))
        || url.len() > 2000
        || url.chars().any(char::is_whitespace)
    {
        return Err((
            "source.url",
            "must be an http:// or https:// address of a Prometheus text page".into(),
        ));
    }
    Selector::parse(&s.good).map_err(|e| ("source.good", e))?;
    Selector::parse(&s.total).map_err(|e| ("source.total", e))?;
    if !(60..=3600).contains(&s.interval_seconds) {
        return Err((
            "source.interval_seconds",
            "must be 60 to 3600 seconds".into(),
        ));
    }
    Ok(MetricsSource {
        url: url.to_owned(),
        good: s.good.trim().to_owned(),
        total: s.total.trim().to_owned(),
        interval_seconds: s.interval_seconds,
    })
}

/// The increase of a counter since `before` (a lower value means the counter was reset).
fn increase(before: Option<f64>, now: f64) -> Option<f64> {
    let before = before?;
    Some(if now >= before { now - before } else { now })
}

/// What one pull of one SLO gives: the new state and, when the counters moved, the
/// measurement to ingest.
pub fn step(
    source: &MetricsSource,
    previous: Option<&PullState>,
    page: Result<String, String>,
    now: DateTime<Utc>,
) -> (PullState, Option<(u64, u64)>) {
    let failed = |error: String| PullState {
        at: now,
        good: previous.and_then(|p| p.good),
        total: previous.and_then(|p| p.total),
        error: Some(error),
    };
    let page = match page {
        Ok(p) => p,
        Err(e) => return (failed(e), None),
    };
    let (Ok(good_sel), Ok(total_sel)) = (
        Selector::parse(&source.good),
        Selector::parse(&source.total),
    ) else {
        return (failed("the selectors no longer parse".into()), None);
    };
    let (Some(good), Some(total)) = (good_sel.sum(&page), total_sel.sum(&page)) else {
        return (
            failed(format!(
                "no sample matches {} or {}",
                source.good, source.total
            )),
            None,
        );
    };
    let state = PullState {
        at: now,
        good: Some(good),
        total: Some(total),
        error: None,
    };
    let delta = match (
        increase(previous.and_then(|p| p.good), good),
        increase(previous.and_then(|p| p.total), total),
    ) {
        (Some(g), Some(t)) if t >= 1.0 => {
            let t = t.round() as u64;
            let g = (g.round() as u64).min(t);
            Some((g, t))
        }
        _ => None,
    };
    (state, delta)
}

impl ServiceLevelService {
    /// Gathers pulled measurements through `fetch`.
    #[must_use]
    pub fn with_fetch(mut self, fetch: Arc<dyn Fetch>) -> Self {
        self.fetch = Some(fetch);
        self
    }

    /// Pulls every SLO whose source is due (every tenant); returns how many pulls ran. Each
    /// increase is ingested like any measurement (one audit event per pull that moved).
    pub async fn pull_due(&self) -> DomainResult<usize> {
        let Some(fetch) = &self.fetch else {
            return Ok(0);
        };
        let now = self.clock.now();
        let mut ran = 0;
        for slo in self.store.all_slos().await? {
            let Some(source) = &slo.source else { continue };
            let due = slo.pull.as_ref().is_none_or(|p| {
                p.at + Duration::seconds(i64::from(source.interval_seconds)) <= now
            });
            if !due {
                continue;
            }
            let Some(tenant) = self.store.tenant_by_id(slo.tenant_id).await? else {
                continue;
            };
            let who = Principal::system(tenant, "metrics-pull");
            let page = fetch.get_text(&source.url).await;
            let (state, delta) = step(source, slo.pull.as_ref(), page, now);
            if let Some((good, total)) = delta {
                let m = MeasurementInput {
                    slo_id: slo.id,
                    at: now,
                    good: Some(good),
                    total: Some(total),
                    value_ms: None,
                    values_ms: None,
                };
                if let Err(e) = self.ingest(&who, std::slice::from_ref(&m)).await {
                    tracing::warn!(error = %e, slo = %slo.id, "pulled measurement not ingested");
                }
            }
            if let Some(e) = &state.error {
                tracing::warn!(error = %e, slo = %slo.id, "metrics pull failed");
            }
            self.store
                .set_slo_progress(slo.tenant_id, slo.id, None, Some(&state))
                .await?;
            ran += 1;
        }
        Ok(ran)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const PAGE: &str = r#"# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{job="api",code="200"} 9900
http_requests_total{job="api",code="500"} 100
http_requests_total{job="web",code="200"} 5000 1700000000000
http_request_duration_seconds_bucket{job="api",le="0.3"} 950
http_request_duration_seconds_bucket{job="api",le="+Inf"} 1000
http_request_duration_seconds_count{job="api"} 1000
up 1
"#;

    fn sum(sel: &str) -> Option<f64> {
        Selector::parse(sel).unwrap().sum(PAGE)
    }

    #[test]
    fn selectors_sum_the_series_they_match() {
        assert_eq!(sum("http_requests_total"), Some(15_000.0));
        assert_eq!(sum(r#"http_requests_total{job="api"}"#), Some(10_000.0));
        assert_eq!(
            sum(r#"http_requests_total{job="api",code!="500"}"#),
            Some(9_900.0)
        );
        assert_eq!(
            sum(r#"http_request_duration_seconds_bucket{le="0.3"}"#),
            Some(950.0)
        );
        assert_eq!(sum("up"), Some(1.0));
        assert_eq!(sum(r#"http_requests_total{job="db"}"#), None);
        assert_eq!(sum("nothing_here"), None);
    }

    #[test]
    fn bad_selectors_say_why() {
        assert!(Selector::parse("9lives").is_err());
        assert!(
            Selector::parse(r#"x{job=~"a.*"}"#)
                .unwrap_err()
                .contains("regular")
        );
        assert!(Selector::parse(r#"x{job="a"#).is_err());
        assert!(
            Selector::parse(r#"x{job=a}"#)
                .unwrap_err()
                .contains("quotes")
        );
    }

    #[test]
    fn increases_handle_first_pull_and_resets() {
        let src = MetricsSource {
            url: "http://m/metrics".into(),
            good: r#"http_requests_total{code="200"}"#.into(),
            total: "http_requests_total".into(),
            interval_seconds: 60,
        };
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let page = |good: u64, bad: u64| {
            Ok(format!(
                "http_requests_total{{code=\"200\"}} {good}\nhttp_requests_total{{code=\"500\"}} {bad}\n"
            ))
        };
        let (first, delta) = step(&src, None, page(100, 0), t);
        assert_eq!(
            delta, None,
            "the first pull only records where counters stand"
        );
        let (second, delta) = step(&src, Some(&first), page(190, 10), t);
        assert_eq!(delta, Some((90, 100)));
        // A restart resets the counters: the new values are the increase.
        let (third, delta) = step(&src, Some(&second), page(20, 5), t);
        assert_eq!(delta, Some((20, 25)));
        // A failed fetch keeps the counters and says why.
        let (fourth, delta) = step(&src, Some(&third), Err("HTTP 503".into()), t);
        assert_eq!(delta, None);
        assert_eq!(fourth.good, Some(20.0));
        assert_eq!(fourth.error.as_deref(), Some("HTTP 503"));
        let (_, delta) = step(&src, Some(&fourth), page(30, 5), t);
        assert_eq!(delta, Some((10, 10)));
    }

    #[test]
    fn sources_are_checked() {
        let ok = MetricsSource {
            url: "https://prom.internal/metrics".into(),
            good: "a".into(),
            total: "b".into(),
            interval_seconds: 60,
        };
        assert!(check_source(&ok).is_ok());
        let bad = MetricsSource {
            url: "file:///etc/passwd".into(),
            ..ok.clone()
        };
        assert_eq!(check_source(&bad).unwrap_err().0, "source.url");
        let bad = MetricsSource {
            interval_seconds: 5,
            ..ok
        };
        assert_eq!(check_source(&bad).unwrap_err().0, "source.interval_seconds");
    }
}
