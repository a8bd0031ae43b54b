//! The privacy forms and the request page: a data subject request with its clock, timeline and
//! workflow forms (verify identity, start, extend with reasons, complete, deny with reasons),
//! and the forms on `/privacy` that log a request and record a processing activity (the breach
//! forms and page are in `privacy_breach`), with the form-reading helpers both share. Each
//! form calls the `PrivacyService` use case the API calls.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use probity_core::DomainError;
use probity_core::platform::rules::{Permission, role_allows};
use probity_core::privacy::consent::ConsentMethod;
use probity_core::privacy::taxonomy::{DATA_CATEGORIES, SUBJECT_CATEGORIES, Term};
use probity_core::privacy::{
    ActivityInput, Art9Condition, LegalBasis, NewRequest, ProcessingActivity, PurposeCounts,
    Regime, RequestExtensionInput, RequestId, RequestKind, RequestState, RequestTransition,
};
use serde::de::DeserializeOwned;

use super::privacy::{RequestRow, request_row};
use super::session::{SignedIn, csrf_refused};
use super::view::{Section, Shell, show_time};
use super::{error_page, render, see_other};
use crate::state::AppState;

/// A form's fields in order, repeated names kept (checkbox groups).
pub(super) struct Fields(pub(super) Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, trimmed; empty when absent.
    pub(super) fn one(&self, name: &str) -> &str {
        super::form::field(&self.0, name)
    }

    /// Every non-empty value of `name`.
    pub(super) fn all(&self, name: &str) -> Vec<String> {
        super::form::all(&self.0, name)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }
}

/// A wire name (`gdpr`, `opt_out`, `legal_obligation`) read as its enum, or an error naming
/// `field`.
pub(super) fn wire<T: DeserializeOwned>(field: &str, value: &str) -> Result<T, DomainError> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| DomainError::invalid(field, "choose one of the listed values"))
}

/// `YYYY-MM-DD` as the start of that UTC day; empty is `None`.
pub(super) fn day(field: &str, value: &str) -> Result<Option<DateTime<Utc>>, DomainError> {
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(|d| Some(d.and_time(NaiveTime::MIN).and_utc()))
        .map_err(|_| DomainError::invalid(field, "write the date as YYYY-MM-DD"))
}

/// A `datetime-local` value (`YYYY-MM-DDTHH:MM[:SS]`) read as UTC; empty is `None`.
pub(super) fn instant(field: &str, value: &str) -> Result<Option<DateTime<Utc>>, DomainError> {
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .map(|t| Some(t.and_utc()))
        .map_err(|_| DomainError::invalid(field, "write the time as YYYY-MM-DDTHH:MM (UTC)"))
}

pub(super) fn required(
    field: &str,
    v: Option<DateTime<Utc>>,
) -> Result<DateTime<Utc>, DomainError> {
    v.ok_or_else(|| DomainError::invalid(field, "required"))
}

pub(super) fn count(field: &str, value: &str) -> Result<Option<u64>, DomainError> {
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|_| DomainError::invalid(field, "a whole number, or leave it empty"))
}

pub(super) fn version(value: &str) -> Option<u32> {
    value.parse().ok()
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One regime's request types, for the form's grouped list.
#[derive(Debug, Clone)]
pub struct RegimeKinds {
    /// `gdpr`.
    pub regime: &'static str,
    /// `GDPR`.
    pub label: String,
    /// Its kinds' wire names.
    pub kinds: Vec<&'static str>,
}

/// A taxonomy term as a checkbox.
#[derive(Debug, Clone)]
pub struct TermChoice {
    /// The key stored.
    pub key: &'static str,
    /// What it covers.
    pub description: &'static str,
    /// A special category.
    pub special: bool,
}

fn terms(list: &[Term]) -> Vec<TermChoice> {
    list.iter()
        .map(|t| TermChoice {
            key: t.key,
            description: t.description,
            special: t.special,
        })
        .collect()
}

/// The choices the forms on `/privacy` offer.
#[derive(Debug, Clone)]
pub struct FormChoices {
    /// Whether the signed-in role may write (forms shown only then).
    pub can_write: bool,
    /// Regimes with their request types.
    pub regimes: Vec<RegimeKinds>,
    /// Art. 6 bases.
    pub bases: Vec<&'static str>,
    /// Art. 9(2) conditions: key and `(b) …`.
    pub conditions: Vec<(&'static str, String)>,
    /// Data categories.
    pub data_categories: Vec<TermChoice>,
    /// Subject categories.
    pub subject_categories: Vec<TermChoice>,
    /// Today (the default receipt date).
    pub today: String,
    /// Whether the role may add, pause and run retention schedules and decide on DPIAs.
    pub can_approve: bool,
    /// Processing activities: id and `ROPA-001 Payroll`.
    pub activities: Vec<(String, String)>,
    /// Consent purposes: key and title.
    pub purposes: Vec<(String, String)>,
    /// Consent methods: wire name and label.
    pub methods: Vec<(&'static str, String)>,
}

/// The choices of the `/privacy` forms for `who` on `today`.
pub fn choices(
    who: &SignedIn,
    today: NaiveDate,
    activities: &[ProcessingActivity],
    purposes: &[PurposeCounts],
) -> FormChoices {
    FormChoices {
        can_write: role_allows(who.principal.role, Permission::Write),
        can_approve: role_allows(who.principal.role, Permission::Approve),
        activities: activities
            .iter()
            .map(|a| (a.id.to_string(), format!("{} {}", a.reference, a.name)))
            .collect(),
        purposes: purposes
            .iter()
            .map(|p| (p.purpose.key.clone(), p.purpose.title.clone()))
            .collect(),
        methods: ConsentMethod::ALL
            .iter()
            .map(|m| (m.as_str(), m.as_str().replace('_', " ")))
            .collect(),
        regimes: Regime::ALL
            .iter()
            .map(|r| RegimeKinds {
                regime: r.as_str(),
                label: r.as_str().to_uppercase(),
                kinds: RequestKind::of(*r).iter().map(|k| k.as_str()).collect(),
            })
            .collect(),
        bases: LegalBasis::ALL.iter().map(|b| b.as_str()).collect(),
        conditions: Art9Condition::ALL
            .iter()
            .map(|c| {
                let (key, point, text) = c.describe();
                (key, format!("({point}) {text}"))
            })
            .collect(),
        data_categories: terms(DATA_CATEGORIES),
        subject_categories: terms(SUBJECT_CATEGORIES),
        today: today.to_string(),
    }
}

/// The request the form describes; a request received today is received now, so its
/// timeline reads in order.
fn request_input(f: &Fields, today: NaiveDate) -> Result<NewRequest, DomainError> {
    let received_at =
        day("received_on", f.one("received_on"))?.filter(|at| at.date_naive() != today);
    Ok(NewRequest {
        regime: wire("regime", f.one("regime"))?,
        kind: wire("kind", f.one("kind"))?,
        subject_ref: f.one("subject_ref").to_owned(),
        received_at,
        notes: f.one("notes").to_owned(),
    })
}

/// `POST /privacy/requests`: logs a data subject request.
pub async fn create_request(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    let req = match request_input(&f, state.privacy().now().date_naive()) {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    match state.privacy().create_request(&who.principal, &req).await {
        Ok(v) => see_other(&format!("/privacy/requests/{}", v.request.id)),
        Err(e) => error_page(&e),
    }
}

/// A line of a request's or breach's timeline.
#[derive(Debug, Clone)]
pub struct TimelineRow {
    /// When.
    pub at: String,
    /// What happened.
    pub what: String,
    /// Who.
    pub by: String,
    /// Reasons given, if any.
    pub reason: String,
}

#[derive(Template)]
#[template(path = "privacy_request.html")]
struct RequestPage {
    shell: Shell,
    r: RequestRow,
    received: String,
    period: String,
    acknowledgment_due: String,
    extension_deadline: String,
    extension: String,
    closed: String,
    notes: String,
    fulfilment: Vec<(String, &'static str, u64, String)>,
    timeline: Vec<TimelineRow>,
    version: u32,
    can_write: bool,
    next: Vec<(&'static str, String)>,
    can_extend: bool,
}

fn state_label(s: RequestState) -> String {
    s.as_str().replace('_', " ")
}

/// `GET /privacy/requests/{id}`: one request with its clock, timeline and forms.
pub async fn request(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<RequestId>,
) -> Response {
    if let Some(r) = super::pages::refused(&who, Section::Privacy) {
        return r;
    }
    let v = match state.privacy().request(&who.principal, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e),
    };
    let r = &v.request;
    let mut timeline = vec![TimelineRow {
        at: show_time(r.received_at),
        what: "received".to_owned(),
        by: r.created_by.name.clone(),
        reason: String::new(),
    }];
    timeline.extend(r.history.iter().map(|c| TimelineRow {
        at: show_time(c.at),
        what: format!("{} → {}", state_label(c.from), state_label(c.to)),
        by: c.by.name.clone(),
        reason: c.reason.clone().unwrap_or_default(),
    }));
    if let Some(x) = &r.extension {
        timeline.push(TimelineRow {
            at: show_time(x.at),
            what: format!("extended: due {} (was {})", r.due_date, x.previous_due_date),
            by: x.by.name.clone(),
            reason: x.reason.clone(),
        });
    }
    timeline.sort_by(|a, b| a.at.cmp(&b.at));
    let can_write = role_allows(who.principal.role, Permission::Write);
    render(
        StatusCode::OK,
        &RequestPage {
            shell: who.shell(Some(Section::Privacy), &format!("Request {}", r.reference)),
            received: show_time(r.received_at),
            period: v.response_period.clone(),
            acknowledgment_due: v
                .acknowledgment_due
                .map(|d| d.to_string())
                .unwrap_or_default(),
            extension_deadline: v
                .extension_deadline
                .map(|d| d.to_string())
                .unwrap_or_default(),
            extension: r
                .extension
                .as_ref()
                .map(|x| {
                    format!(
                        "from {} to {}: {}",
                        x.previous_due_date, r.due_date, x.reason
                    )
                })
                .unwrap_or_default(),
            closed: r.closed_at.map(show_time).unwrap_or_default(),
            notes: r.notes.clone(),
            fulfilment: r
                .fulfilment
                .iter()
                .map(|f| {
                    (
                        f.scope.replace('_', " "),
                        f.outcome.as_str(),
                        f.count,
                        f.detail.clone(),
                    )
                })
                .collect(),
            timeline,
            version: r.version,
            can_write,
            next: r
                .state
                .next()
                .iter()
                .map(|s| (s.as_str(), state_label(*s)))
                .collect(),
            can_extend: v.extension_deadline.is_some(),
            r: request_row(&v),
        },
    )
}

/// `POST /privacy/requests/{id}/transition`: moves a request through its workflow.
pub async fn transition(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<RequestId>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    let to = match RequestState::parse(f.one("to")) {
        Some(s) => s,
        None => return error_page(&DomainError::invalid("to", "choose a listed state")),
    };
    let reason = f.one("reason");
    let t = RequestTransition {
        to,
        reason: (!reason.is_empty()).then(|| reason.to_owned()),
        version: version(f.one("version")),
    };
    match state
        .privacy()
        .transition_request(&who.principal, id, &t)
        .await
    {
        Ok(_) => see_other(&format!("/privacy/requests/{id}")),
        Err(e) => error_page(&e),
    }
}

/// `POST /privacy/requests/{id}/extend`: extends a request with the reasons given.
pub async fn extend(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<RequestId>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    let x = RequestExtensionInput {
        reason: f.one("reason").to_owned(),
        version: version(f.one("version")),
    };
    match state.privacy().extend_request(&who.principal, id, &x).await {
        Ok(_) => see_other(&format!("/privacy/requests/{id}")),
        Err(e) => error_page(&e),
    }
}

fn activity_input(f: &Fields) -> Result<ActivityInput, DomainError> {
    let condition = f.one("art9_condition");
    Ok(ActivityInput {
        name: f.one("name").to_owned(),
        purposes: lines(f.one("purposes")),
        legal_basis: wire("legal_basis", f.one("legal_basis"))?,
        art9_condition: if condition.is_empty() {
            None
        } else {
            Some(wire("art9_condition", condition)?)
        },
        data_categories: f.all("data_categories"),
        subject_categories: f.all("subject_categories"),
        recipients: lines(f.one("recipients")),
        processors: Vec::new(),
        retention: f.one("retention").to_owned(),
        security_measures: lines(f.one("security_measures")),
        transfers: Vec::new(),
        version: None,
    })
}

/// `POST /privacy/activities`: records a processing activity (the fields of Art. 30 a person
/// fills in first; processors, transfers and the rest through the API or CLI).
pub async fn create_activity(
    State(state): State<AppState>,
    who: SignedIn,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if !who.csrf_ok(&state, f.one("csrf")) {
        return csrf_refused();
    }
    let req = activity_input(&f);
    let req = match req {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    match state.privacy().create_activity(&who.principal, &req).await {
        Ok(a) => see_other(&format!("/privacy#activity-{}", a.id)),
        Err(e) => error_page(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_parse_or_name_their_field() {
        let r: Regime = wire("regime", "ccpa").unwrap();
        assert_eq!(r, Regime::Ccpa);
        let e = wire::<RequestKind>("kind", "nonsense").unwrap_err();
        assert!(e.to_string().contains("kind"), "{e}");
        assert_eq!(
            instant("aware_at", "2026-03-02T08:30")
                .unwrap()
                .unwrap()
                .to_rfc3339(),
            "2026-03-02T08:30:00+00:00"
        );
        assert!(instant("aware_at", "yesterday").is_err());
        assert_eq!(day("received_on", "").unwrap(), None);
        assert_eq!(lines(" a \n\n b\n"), vec!["a", "b"]);
        let f = Fields(vec![
            ("x".into(), " 1 ".into()),
            ("c".into(), "a".into()),
            ("c".into(), "".into()),
            ("c".into(), "b".into()),
        ]);
        assert_eq!((f.one("x"), f.one("y")), ("1", ""));
        assert_eq!(f.all("c"), vec!["a", "b"]);
    }
}
