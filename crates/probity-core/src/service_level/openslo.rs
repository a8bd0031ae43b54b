//! OpenSLO v1 (`apiVersion: openslo/v1`) export and import of SLOs.
//!
//! **Export** writes one YAML stream: a `Service` document per service and an `SLO` document
//! per SLO with an inline ratio indicator (`ratioMetric`, good and total; a Prometheus source
//! carries its selectors as queries) or, for latency, a threshold indicator with the objective
//! `op: lte` and `value` in milliseconds; windows as `30d`/`28d` rolling or `1M`/`1Q`
//! calendar-aligned; `budgetingMethod: Occurrences` (every Probity SLO counts events).
//!
//! **Import** reads a YAML stream and creates an SLO for each `SLO` document (other kinds are
//! skipped), creating its service when the key is new. Each document succeeds or fails on its
//! own; failures name the document and the field. What OpenSLO cannot say (credits,
//! exclusions, escalation, Probity's burn rules) takes Probity's defaults and can be set
//! afterwards.

use serde::{Deserialize, Serialize};

use super::*;

/// One document's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportedSlo {
    /// Position in the stream, from 0.
    pub document: usize,
    /// `metadata.displayName`, else `metadata.name`.
    pub name: String,
    /// The SLO created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slo_id: Option<SloId>,
    /// Why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Doc {
    api_version: String,
    kind: String,
    metadata: Metadata,
    #[serde(default)]
    spec: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
}

/// An OpenSLO name: lower-case letters, digits and `-`.
fn dns_name(s: &str) -> String {
    let mut out: String = s
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    out.trim_matches('-').chars().take(63).collect()
}

fn window_json(w: WindowKind) -> serde_json::Value {
    match w {
        WindowKind::Rolling28d => json!([{"duration": "28d", "isRolling": true}]),
        WindowKind::Rolling30d => json!([{"duration": "30d", "isRolling": true}]),
        WindowKind::CalendarMonth => json!([{"duration": "1M", "isRolling": false,
            "calendar": {"startTime": "2020-01-01 00:00:00", "timeZone": "UTC"}}]),
        WindowKind::CalendarQuarter => json!([{"duration": "1Q", "isRolling": false,
            "calendar": {"startTime": "2020-01-01 00:00:00", "timeZone": "UTC"}}]),
    }
}

fn source_json(query: &str) -> serde_json::Value {
    json!({"metricSource": {"type": "Prometheus", "spec": {"query": query}}})
}

/// The tenant's services and SLOs as an OpenSLO v1 YAML stream.
pub fn export(services: &[Service], slos: &[Slo]) -> Result<String, String> {
    let mut docs = Vec::new();
    for s in services {
        docs.push(Doc {
            api_version: "openslo/v1".into(),
            kind: "Service".into(),
            metadata: Metadata {
                name: s.key.clone(),
                display_name: Some(s.name.clone()),
            },
            spec: json!({"description": s.description}),
        });
    }
    for slo in slos {
        let Some(service) = services.iter().find(|s| s.id == slo.service_id) else {
            continue;
        };
        let name = dns_name(&slo.name);
        let (good, total) = match &slo.source {
            Some(src) => (source_json(&src.good), source_json(&src.total)),
            None => (
                json!({"metricSource": {"type": "Probity", "spec": {"slo": slo.id, "events": "good"}}}),
                json!({"metricSource": {"type": "Probity", "spec": {"slo": slo.id, "events": "total"}}}),
            ),
        };
        let (indicator, objective) = match (slo.metric, slo.threshold_ms) {
            (SloMetric::Latency, Some(t)) => (
                json!({"thresholdMetric": {"metricSource": {"type": "Probity",
                    "spec": {"slo": slo.id, "unit": "ms"}}}}),
                json!({"displayName": slo.name, "op": "lte", "value": t,
                       "target": slo.target()}),
            ),
            _ => (
                json!({"ratioMetric": {"counter": true, "good": good, "total": total}}),
                json!({"displayName": slo.name, "target": slo.target()}),
            ),
        };
        docs.push(Doc {
            api_version: "openslo/v1".into(),
            kind: "SLO".into(),
            metadata: Metadata {
                name: name.clone(),
                display_name: Some(slo.name.clone()),
            },
            spec: json!({
                "description": slo.description,
                "service": service.key,
                "indicator": {"metadata": {"name": format!("{name}-sli")}, "spec": indicator},
                "timeWindow": window_json(slo.window),
                "budgetingMethod": "Occurrences",
                "objectives": [objective],
            }),
        });
    }
    let mut out = String::new();
    for d in &docs {
        out.push_str("---\n");
        out.push_str(&serde_norway::to_string(d).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

fn text<'a>(v: &'a serde_json::Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// Reads one `SLO` document into a [`NewSlo`]; the error names the field.
fn read_slo(doc: &Doc) -> Result<NewSlo, String> {
    let spec = &doc.spec;
    let service = text(spec, &["service"]).ok_or("spec.service: name the service")?;
    let window = spec
        .get("timeWindow")
        .and_then(|w| w.get(0))
        .ok_or("spec.timeWindow: give one time window")?;
    let duration = window
        .get("duration")
        .and_then(|d| d.as_str())
        .ok_or("spec.timeWindow[0].duration: missing")?;
    let rolling = window
        .get("isRolling")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let window = match (duration, rolling) {
        ("28d", true) => WindowKind::Rolling28d,
        ("30d", true) => WindowKind::Rolling30d,
        ("1M", false) => WindowKind::CalendarMonth,
        ("1Q", false) | ("3M", false) => WindowKind::CalendarQuarter,
        (d, r) => {
            return Err(format!(
                "spec.timeWindow[0]: {d} {} is not a window Probity keeps; use 28d or 30d rolling, or 1M or 1Q calendar-aligned",
                if r { "rolling" } else { "calendar" }
            ));
        }
    };
    if let Some(m) = text(spec, &["budgetingMethod"])
        && m != "Occurrences"
    {
        return Err(format!(
            "spec.budgetingMethod: {m} is not supported; Probity counts Occurrences"
        ));
    }
    let objective = spec
        .get("objectives")
        .and_then(|o| o.get(0))
        .ok_or("spec.objectives: give one objective")?;
    let target = objective
        .get("target")
        .and_then(serde_json::Value::as_f64)
        .or_else(|| {
            objective
                .get("targetPercent")
                .and_then(serde_json::Value::as_f64)
                .map(|p| p / 100.0)
        })
        .ok_or("spec.objectives[0].target: give the target as a ratio, e.g. 0.999")?;
    let indicator = spec
        .get("indicator")
        .and_then(|i| i.get("spec"))
        .ok_or("spec.indicator.spec: only inline indicators are read (not indicatorRef)")?;
    let (metric, threshold_ms) = if indicator.get("thresholdMetric").is_some() {
        let op = objective
            .get("op")
            .and_then(|o| o.as_str())
            .unwrap_or("lte");
        if op != "lte" && op != "lt" {
            return Err(format!(
                "spec.objectives[0].op: {op} — a latency objective is lte (at most)"
            ));
        }
        let value = objective
            .get("value")
            .and_then(serde_json::Value::as_f64)
            .ok_or("spec.objectives[0].value: the latency threshold in milliseconds")?;
        (SloMetric::Latency, Some(value))
    } else if indicator.get("ratioMetric").is_some() {
        (SloMetric::AvailabilityRequests, None)
    } else {
        return Err("spec.indicator.spec: give a ratioMetric or a thresholdMetric".into());
    };
    Ok(NewSlo {
        service: service.to_owned(),
        name: doc
            .metadata
            .display_name
            .clone()
            .unwrap_or_else(|| doc.metadata.name.clone()),
        description: text(spec, &["description"]).map(str::to_owned),
        metric,
        target_percent: target * 100.0,
        threshold_ms,
        window: Some(window),
        exclusions: Vec::new(),
        burn_rules: None,
        escalation_minutes: None,
        credits: None,
        source: None,
    })
}

/// Largest OpenSLO stream read.
pub const MAX_OPENSLO: usize = 1024 * 1024;

impl ServiceLevelService {
    /// The tenant's services and SLOs as OpenSLO v1 YAML (any member).
    pub async fn export_openslo(&self, who: &Principal) -> DomainResult<String> {
        let services = self.services(who).await?;
        let slos = self.slos(who).await?;
        export(&services, &slos).map_err(DomainError::Internal)
    }

    /// Creates an SLO for each `SLO` document of an OpenSLO v1 YAML stream (contributor and
    /// above), creating missing services; each document on its own.
    pub async fn import_openslo(
        &self,
        who: &Principal,
        yaml: &str,
    ) -> DomainResult<Vec<ImportedSlo>> {
        who.require(Permission::Write)?;
        if yaml.len() > MAX_OPENSLO {
            return Err(DomainError::invalid(
                "body",
                "an OpenSLO stream is at most 1 MiB",
            ));
        }
        // Parsed up front: the YAML reader is not Send, so it cannot live across an await.
        let parsed: Vec<Result<Doc, String>> = serde_norway::Deserializer::from_str(yaml)
            .map(|de| Doc::deserialize(de).map_err(|e| e.to_string()))
            .collect();
        let mut out = Vec::new();
        let mut services = self.services(who).await?;
        for (document, doc) in parsed.into_iter().enumerate() {
            let doc = match doc {
                Ok(d) => d,
                Err(e) => {
                    out.push(ImportedSlo {
                        document,
                        name: String::new(),
                        slo_id: None,
                        error: Some(format!("not an OpenSLO document: {e}")),
                    });
                    continue;
                }
            };
            if doc.kind != "SLO" {
                continue;
            }
            let name = doc
                .metadata
                .display_name
                .clone()
                .unwrap_or_else(|| doc.metadata.name.clone());
            let result = async {
                if doc.api_version != "openslo/v1" {
                    return Err(DomainError::invalid(
                        "apiVersion",
                        format!("{} is not openslo/v1", doc.api_version),
                    ));
                }
                let req = read_slo(&doc).map_err(|m| DomainError::invalid("spec", m))?;
                if !services.iter().any(|s| s.key == req.service) {
                    let s = self
                        .create_service(
                            who,
                            &NewService {
                                key: req.service.clone(),
                                name: req.service.clone(),
                                provider: "imported from OpenSLO".into(),
                                customer: None,
                                description: None,
                            },
                        )
                        .await?;
                    services.push(s);
                }
                self.create_slo(who, &req).await
            }
            .await;
            out.push(match result {
                Ok(slo) => ImportedSlo {
                    document,
                    name,
                    slo_id: Some(slo.id),
                    error: None,
                },
                Err(e) => ImportedSlo {
                    document,
                    name,
                    slo_id: None,
                    error: Some(e.to_string()),
                },
            });
        }
        if out.is_empty() {
            return Err(DomainError::invalid(
                "body",
                "no SLO document (kind: SLO, apiVersion: openslo/v1) in the stream",
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = r#"
apiVersion: openslo/v1
kind: Service
metadata:
  name: checkout
spec:
  description: Checkout
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
  displayName: Checkout availability
spec:
  service: checkout
  indicator:
    metadata:
      name: checkout-ratio
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{code!="500"}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.995
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-latency
spec:
  service: checkout
  indicator:
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec:
            query: latency
  timeWindow:
    - duration: 1M
      isRolling: false
  objectives:
    - op: lte
      value: 250
      target: 0.99
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: weekly
spec:
  service: checkout
  indicator:
    spec:
      ratioMetric: {}
  timeWindow:
    - duration: 7d
      isRolling: true
  objectives:
    - target: 0.9
"#;

    fn docs() -> Vec<Doc> {
        serde_norway::Deserializer::from_str(STREAM)
            .map(|d| Doc::deserialize(d).unwrap())
            .collect()
    }

    #[test]
    fn reads_ratio_and_threshold_slos_and_names_what_it_cannot_keep() {
        let d = docs();
        let ratio = read_slo(&d[1]).unwrap();
        assert_eq!(ratio.service, "checkout");
        assert_eq!(ratio.name, "Checkout availability");
        assert_eq!(ratio.metric, SloMetric::AvailabilityRequests);
        assert!((ratio.target_percent - 99.5).abs() < 1e-9);
        assert_eq!(ratio.window, Some(WindowKind::Rolling28d));
        let latency = read_slo(&d[2]).unwrap();
        assert_eq!(latency.metric, SloMetric::Latency);
        assert_eq!(latency.threshold_ms, Some(250.0));
        assert_eq!(latency.window, Some(WindowKind::CalendarMonth));
        let err = read_slo(&d[3]).unwrap_err();
        assert!(err.starts_with("spec.timeWindow[0]"), "{err}");
    }

    #[test]
    fn export_reads_back_as_the_same_slos() {
        let d = docs();
        let t = chrono::DateTime::<Utc>::UNIX_EPOCH;
        let service = Service {
            id: ServiceId::new(),
            tenant_id: crate::platform::model::TenantId::new(),
            key: "checkout".into(),
            name: "Checkout".into(),
            provider: "Payments".into(),
            customer: "internal".into(),
            description: String::new(),
            created_at: t,
            created_by: crate::governance::Party {
                id: "t".into(),
                name: "t".into(),
            },
        };
        let slos: Vec<Slo> = [read_slo(&d[1]).unwrap(), read_slo(&d[2]).unwrap()]
            .into_iter()
            .map(|n| Slo {
                id: SloId::new(),
                tenant_id: service.tenant_id,
                service_id: service.id,
                name: n.name,
                description: String::new(),
                metric: n.metric,
                target_percent: n.target_percent,
                threshold_ms: n.threshold_ms,
                window: n.window.unwrap(),
                exclusions: vec![],
                burn_rules: evaluate::default_burn_rules(),
                escalation_minutes: vec![],
                credits: None,
                source: None,
                pull: None,
                version: 1,
                created_at: t,
                created_by: service.created_by.clone(),
                updated_at: t,
                judged_until: None,
            })
            .collect();
        let yaml = export(std::slice::from_ref(&service), &slos).unwrap();
        assert!(yaml.contains("apiVersion: openslo/v1"));
        let again: Vec<Doc> = serde_norway::Deserializer::from_str(&yaml)
            .map(|d| Doc::deserialize(d).unwrap())
            .collect();
        assert_eq!(again.len(), 3);
        for (slo, doc) in slos.iter().zip(again.iter().skip(1)) {
            let back = read_slo(doc).unwrap();
            assert_eq!(back.name, slo.name);
            assert_eq!(back.metric, slo.metric);
            assert_eq!(back.threshold_ms, slo.threshold_ms);
            assert_eq!(back.window, Some(slo.window));
            assert!((back.target_percent - slo.target_percent).abs() < 1e-9);
        }
    }
}
