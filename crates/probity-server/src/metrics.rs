//! Prometheus metrics in the text exposition format, kept in atomics (no registry crate).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds (seconds) of the request duration histogram.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Counters served at `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    durations: Mutex<Histogram>,
    jobs_succeeded: AtomicU64,
    jobs_failed: AtomicU64,
    jobs_dead: AtomicU64,
    syslog: [AtomicU64; 4],
}

/// What became of one syslog message (or of a stream).
#[derive(Debug, Clone, Copy)]
pub enum SyslogOutcome {
    /// Appended to the ledger.
    Accepted,
    /// Parsed, but not a valid audit event (a bad field); logged with the field.
    Rejected,
    /// Not a frame or not RFC 5424; logged with the reason.
    Unreadable,
    /// A TCP stream closed because its framing could not be resynchronised.
    StreamDropped,
}

impl SyslogOutcome {
    const ALL: [SyslogOutcome; 4] = [
        SyslogOutcome::Accepted,
        SyslogOutcome::Rejected,
        SyslogOutcome::Unreadable,
        SyslogOutcome::StreamDropped,
    ];

    fn label(self) -> &'static str {
        match self {
            SyslogOutcome::Accepted => "accepted",
            SyslogOutcome::Rejected => "rejected",
            SyslogOutcome::Unreadable => "unreadable",
            SyslogOutcome::StreamDropped => "stream_dropped",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// A job outcome for the counters.
#[derive(Debug, Clone, Copy)]
pub enum JobOutcome {
    /// Finished.
    Succeeded,
    /// Failed, will retry.
    Failed,
    /// Failed for the last time.
    Dead,
}

impl Metrics {
    /// Records one HTTP request.
    pub fn observe_request(&self, method: &str, status: u16, seconds: f64) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((method.to_owned(), status))
            .or_default() += 1;
        let mut h = self.durations.lock().unwrap_or_else(|e| e.into_inner());
        for (bound, count) in BUCKETS.iter().zip(h.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// Records a job outcome.
    pub fn observe_job(&self, outcome: JobOutcome) {
        let counter = match outcome {
            JobOutcome::Succeeded => &self.jobs_succeeded,
            JobOutcome::Failed => &self.jobs_failed,
            JobOutcome::Dead => &self.jobs_dead,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts syslog messages.
    pub fn observe_syslog(&self, outcome: SyslogOutcome, n: u64) {
        if let Some(counter) = self.syslog.get(outcome.slot()) {
            counter.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// The syslog count of one outcome so far.
    pub fn syslog_count(&self, outcome: SyslogOutcome) -> u64 {
        self.syslog
            .get(outcome.slot())
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Renders the exposition text.
    pub fn render(&self, backend: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP probity_build_info Build and store information."
        );
        let _ = writeln!(out, "# TYPE probity_build_info gauge");
        let _ = writeln!(
            out,
            "probity_build_info{{version=\"{}\",store=\"{backend}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(
            out,
            "# HELP probity_http_requests_total HTTP requests by method and status."
        );
        let _ = writeln!(out, "# TYPE probity_http_requests_total counter");
        for ((method, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "probity_http_requests_total{{method=\"{method}\",status=\"{status}\"}} {n}"
            );
        }
        let h = self.durations.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(
            out,
            "# HELP probity_http_request_duration_seconds HTTP request latency."
        );
        let _ = writeln!(
            out,
            "# TYPE probity_http_request_duration_seconds histogram"
        );
        for (bound, count) in BUCKETS.iter().zip(h.counts.iter()) {
            let _ = writeln!(
                out,
                "probity_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "probity_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}",
            h.count
        );
        let _ = writeln!(out, "probity_http_request_duration_seconds_sum {}", h.sum);
        let _ = writeln!(
            out,
            "probity_http_request_duration_seconds_count {}",
            h.count
        );
        let _ = writeln!(
            out,
            "# HELP probity_jobs_total Background job attempts by outcome."
        );
        let _ = writeln!(out, "# TYPE probity_jobs_total counter");
        for (name, counter) in [
            ("succeeded", &self.jobs_succeeded),
            ("failed", &self.jobs_failed),
            ("dead", &self.jobs_dead),
        ] {
            let _ = writeln!(
                out,
                "probity_jobs_total{{outcome=\"{name}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP probity_syslog_messages_total Syslog messages received, by what became of them."
        );
        let _ = writeln!(out, "# TYPE probity_syslog_messages_total counter");
        for outcome in SyslogOutcome::ALL {
            let _ = writeln!(
                out,
                "probity_syslog_messages_total{{result=\"{}\"}} {}",
                outcome.label(),
                self.syslog_count(outcome)
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.observe_request("GET", 200, 0.002);
        m.observe_request("GET", 200, 0.5);
        m.observe_job(JobOutcome::Dead);
        let text = m.render("sqlite");
        assert!(text.contains("probity_http_requests_total{method=\"GET\",status=\"200\"} 2"));
        assert!(text.contains("probity_http_request_duration_seconds_bucket{le=\"0.0025\"} 1"));
        assert!(text.contains("probity_http_request_duration_seconds_bucket{le=\"1\"} 2"));
        assert!(text.contains("probity_jobs_total{outcome=\"dead\"} 1"));
    }
}
