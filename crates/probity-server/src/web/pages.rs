//! The pages behind the navigation: the executive dashboard, the audit trail, the ledger,
//! and settings.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use probity_core::DomainError;
use probity_core::audit::event::{Category, EventOutcome, Severity};
use probity_core::audit::index::{Bucket, EventFilter, FilterParams, IndexPage, IndexedEvent};
use probity_core::ledger::checkpoint_origin;
use probity_core::page::PageRequest;
use probity_core::platform::rules::Permission;
use serde::Deserialize;

use super::assurance;
use super::charts::{Bar, ChartSize, bar_chart};
use super::session::SignedIn;
use super::view::{Section, Shell, day_bounds, query_escape, role_label, show_time};
use super::{error_page, render};
use crate::state::AppState;

/// Days of audit activity on the dashboard.
const ACTIVITY_DAYS: u32 = 14;

/// The audit activity widget.
#[derive(Debug, Clone)]
pub struct ActivityView {
    /// The chart.
    pub svg: String,
    /// Records in the period.
    pub total: u64,
    /// Records today.
    pub today: u64,
    /// Days shown.
    pub days: u32,
}

/// The latest checkpoint, summarised.
#[derive(Debug, Clone)]
pub struct CheckpointSummary {
    /// Tree size it commits to.
    pub size: u64,
    /// When it was signed.
    pub at: String,
    /// The first 16 hex digits of its root hash.
    pub root_prefix: String,
    /// The whole root hash, hex.
    pub root_hex: String,
    /// The C2SP signed note.
    pub signed_note: String,
    /// Witnesses whose cosignature of it is stored, by name.
    pub cosigners: Vec<String>,
}

/// The ledger status widget and page.
#[derive(Debug, Clone)]
pub struct LedgerView {
    /// Entries in the tenant's log.
    pub tree_size: u64,
    /// The latest signed checkpoint, if any.
    pub checkpoint: Option<CheckpointSummary>,
    /// Records not yet sequenced into a signed checkpoint.
    pub unsigned: u64,
}

/// A widget's data, or why it is not shown.
#[derive(Debug, Clone)]
pub enum Panel<T> {
    /// The data.
    Shown(T),
    /// The role may not see it (or must enrol in MFA first); the reason.
    Hidden(String),
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    shell: Shell,
    activity: Panel<ActivityView>,
    ledger: Panel<LedgerView>,
    posture: Panel<assurance::PostureWidget>,
    tests: Panel<assurance::TestsWidget>,
    findings: Panel<assurance::FindingsWidget>,
    evidence: Panel<assurance::EvidenceWidget>,
    risk: Panel<super::governance::RiskWidget>,
    sla: Panel<super::service_levels::SlaWidget>,
    upcoming: Panel<super::calendar::UpcomingWidget>,
    privacy: Panel<super::privacy::PrivacyWidget>,
    support: Panel<super::support::SupportWidget>,
    mfa_required: bool,
}

/// What a section's permission covers, for the message a role without it gets.
fn covers(permission: Permission) -> &'static str {
    match permission {
        Permission::Audit => "the audit trail and the ledger",
        Permission::ManageMembers | Permission::ManageTenant => "tenant settings and members",
        _ => "this page",
    }
}

fn hidden_reason(who: &SignedIn, permission: Permission) -> Option<String> {
    if who.principal.mfa_enrolment_required {
        return Some(
            "This tenant requires multi-factor authentication: enrol an authenticator app first."
                .to_owned(),
        );
    }
    who.principal.require(permission).err().map(|_| {
        format!(
            "Your role ({}) does not include {}.",
            role_label(who.principal.role),
            covers(permission)
        )
    })
}

async fn activity(state: &AppState, who: &SignedIn) -> Result<ActivityView, DomainError> {
    let bounds = day_bounds(state.platform().clock().now(), ACTIVITY_DAYS);
    // Counted from the search projection, so events the tenant's services send count too.
    let filter = EventFilter {
        from: bounds.first().copied(),
        to: bounds.last().copied(),
        ..EventFilter::default()
    };
    let stats = state
        .platform()
        .store()
        .event_statistics(who.principal.tenant.id, &filter, Bucket::Day, 1)
        .await?;
    let counts: Vec<u64> = bounds
        .windows(2)
        .map(|w| match w {
            [from, to] => stats
                .histogram
                .iter()
                .filter(|b| b.start >= *from && b.start < *to)
                .map(|b| b.count)
                .sum(),
            _ => 0,
        })
        .collect();
    let bars: Vec<Bar> = bounds
        .iter()
        .zip(&counts)
        .enumerate()
        .map(|(i, (day, n))| Bar {
            // Every other day is labelled so the labels fit on a phone.
            label: if i % 2 == counts.len().saturating_sub(1) % 2 {
                day.format("%d").to_string()
            } else {
                String::new()
            },
            value: *n,
            title: format!(
                "{}: {n} record{}",
                day.format("%a %Y-%m-%d"),
                if *n == 1 { "" } else { "s" }
            ),
        })
        .collect();
    let total: u64 = counts.iter().sum();
    let summary =
        format!("Audit events per day over the last {ACTIVITY_DAYS} days: {total} in total");
    Ok(ActivityView {
        svg: bar_chart(
            &bars,
            ChartSize {
                width: 340,
                height: 150,
            },
            &summary,
        ),
        total,
        today: counts.last().copied().unwrap_or(0),
        days: ACTIVITY_DAYS,
    })
}

async fn ledger_view(state: &AppState, who: &SignedIn) -> Result<LedgerView, DomainError> {
    let tenant = who.principal.tenant.id;
    let head = state
        .ledger()
        .head(tenant)
        .await
        .map_err(DomainError::from)?;
    let checkpoint = state
        .ledger()
        .latest_checkpoint(tenant)
        .await
        .map_err(DomainError::from)?;
    let tree_size = head.map_or(0, |h| h.size);
    let mut cosigners: Vec<String> = match &checkpoint {
        Some(c) => state
            .platform()
            .store()
            .cosignatures(tenant, c.size)
            .await?
            .into_iter()
            .map(|w| w.witness_name)
            .collect(),
        None => Vec::new(),
    };
    cosigners.dedup();
    Ok(LedgerView {
        tree_size,
        unsigned: tree_size.saturating_sub(checkpoint.as_ref().map_or(0, |c| c.size)),
        checkpoint: checkpoint.map(|c| {
            let root_hex = c.root.to_hex();
            CheckpointSummary {
                size: c.size,
                at: show_time(c.created_at),
                root_prefix: root_hex.get(..16).unwrap_or(&root_hex).to_owned(),
                root_hex,
                signed_note: c.signed_note,
                cosigners,
            }
        }),
    })
}

async fn panel<T, F>(
    who: &SignedIn,
    permission: Permission,
    load: F,
) -> Result<Panel<T>, DomainError>
where
    F: Future<Output = Result<T, DomainError>>,
{
    match hidden_reason(who, permission) {
        Some(reason) => Ok(Panel::Hidden(reason)),
        None => Ok(Panel::Shown(load.await?)),
    }
}

/// A widget loaded on its own task, so its CPU work can run on another core than the page's.
async fn spawned_panel<T, F, Fut>(
    state: &AppState,
    who: &SignedIn,
    permission: Permission,
    load: F,
) -> Result<Panel<T>, DomainError>
where
    T: Send + 'static,
    F: FnOnce(AppState, SignedIn) -> Fut,
    Fut: Future<Output = Result<T, DomainError>> + Send + 'static,
{
    if let Some(reason) = hidden_reason(who, permission) {
        return Ok(Panel::Hidden(reason));
    }
    let task = tokio::spawn(load(state.clone(), who.clone()));
    match task.await {
        Ok(loaded) => Ok(Panel::Shown(loaded?)),
        Err(e) => Err(DomainError::Internal(format!(
            "dashboard widget stopped: {e}"
        ))),
    }
}

/// `GET /`: the executive dashboard.
pub async fn dashboard(State(state): State<AppState>, who: SignedIn) -> Response {
    let (state, who) = (&state, &who);
    // The widgets load concurrently: each waits on its own queries, so the page takes about
    // as long as its slowest widget rather than the sum of them all.
    let loaded = async {
        let (
            activity,
            ledger,
            posture,
            tests,
            findings,
            evidence,
            risk,
            sla,
            upcoming,
            privacy,
            support,
        ) = tokio::try_join!(
            panel(who, Permission::Audit, activity(state, who)),
            panel(who, Permission::Audit, ledger_view(state, who)),
            panel(who, Permission::Read, assurance::posture_widget(state, who)),
            panel(who, Permission::Read, assurance::tests_widget(state, who)),
            panel(
                who,
                Permission::Read,
                assurance::findings_widget(state, who)
            ),
            panel(
                who,
                Permission::Read,
                assurance::evidence_widget(state, who)
            ),
            panel(
                who,
                Permission::Read,
                super::governance::risk_widget(state, who)
            ),
            // The two heaviest widgets (about 20 ms each on the demo tenant) on their own
            // tasks: with two cores the page costs about the slower, not their sum.
            spawned_panel(state, who, Permission::Read, |state, who| async move {
                super::service_levels::sla_widget(&state, &who).await
            }),
            spawned_panel(state, who, Permission::Read, |state, who| async move {
                super::calendar::upcoming_widget(&state, &who).await
            }),
            panel(who, Permission::Read, super::privacy::widget(state, who)),
            panel(who, Permission::Read, super::support::widget(state, who)),
        )?;
        Ok::<_, DomainError>(DashboardPage {
            activity,
            ledger,
            posture,
            tests,
            findings,
            evidence,
            risk,
            sla,
            upcoming,
            privacy,
            support,
            shell: who.shell(Some(Section::Dashboard), "Dashboard"),
            mfa_required: who.principal.mfa_enrolment_required,
        })
    };
    match loaded.await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(e) => error_page(&e),
    }
}

/// The page of a section the role may not open.
pub(super) fn refused(who: &SignedIn, section: Section) -> Option<Response> {
    let reason = hidden_reason(who, section.permission())?;
    Some(error_page(&DomainError::Forbidden(reason)))
}

/// One row of the audit trail.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// Ledger index.
    pub index: u64,
    /// When.
    pub at: String,
    /// Event type.
    pub event_type: String,
    /// Severity.
    pub severity: &'static str,
    /// Who.
    pub actor: String,
    /// On what.
    pub resource: String,
    /// Outcome.
    pub outcome: &'static str,
    /// Message, if any.
    pub message: String,
}

impl From<&IndexedEvent> for AuditRow {
    fn from(e: &IndexedEvent) -> Self {
        let resource = match (&e.resource_type, &e.resource_id) {
            (Some(t), Some(id)) => format!("{t} {id}"),
            (Some(t), None) => t.clone(),
            _ => String::new(),
        };
        AuditRow {
            index: e.index,
            at: e.recorded_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            event_type: e.event_type.clone(),
            severity: e.severity.as_str(),
            actor: if e.actor_name.is_empty() {
                e.actor_id.clone()
            } else {
                e.actor_name.clone()
            },
            resource,
            outcome: e.outcome.as_str(),
            message: e.message.clone().unwrap_or_default(),
        }
    }
}

/// A choice of a filter's select box.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Wire value (empty: any).
    pub value: &'static str,
    /// Whether it is the current one.
    pub selected: bool,
}

fn choices(all: &[&'static str], current: &str) -> Vec<Choice> {
    std::iter::once("")
        .chain(all.iter().copied())
        .map(|value| Choice {
            value,
            selected: value == current,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    shell: Shell,
    rows: Vec<AuditRow>,
    older: Option<String>,
    first_page: bool,
    filters: AuditQuery,
    categories: Vec<Choice>,
    severities: Vec<Choice>,
    outcomes: Vec<Choice>,
    sources: Vec<Choice>,
    filtered: bool,
    indexed_through: u64,
    stream_url: String,
}

/// The audit explorer's form: filters (empty fields mean any) and the page cursor.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditQuery {
    /// Full text.
    #[serde(default)]
    pub q: String,
    /// Type or dotted prefix.
    #[serde(default, rename = "type")]
    pub event_type: String,
    /// Category.
    #[serde(default)]
    pub category: String,
    /// Minimum severity.
    #[serde(default)]
    pub min_severity: String,
    /// Actor id.
    #[serde(default)]
    pub actor: String,
    /// Outcome.
    #[serde(default)]
    pub outcome: String,
    /// `ingest` or `probity`.
    #[serde(default)]
    pub source: String,
    /// Page cursor.
    pub cursor: Option<String>,
}

impl AuditQuery {
    fn params(&self) -> FilterParams {
        let some = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        FilterParams {
            q: some(&self.q),
            event_type: some(&self.event_type),
            category: some(&self.category),
            min_severity: some(&self.min_severity),
            actor: some(&self.actor),
            outcome: some(&self.outcome),
            source: some(&self.source),
            ..FilterParams::default()
        }
    }

    /// The query string of these filters (no cursor), `&`-separated, escaped.
    fn query_string(&self) -> String {
        [
            ("q", &self.q),
            ("type", &self.event_type),
            ("category", &self.category),
            ("min_severity", &self.min_severity),
            ("actor", &self.actor),
            ("outcome", &self.outcome),
            ("source", &self.source),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", query_escape(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// `GET /audit`: the audit explorer — the tenant's trail (ingested events and Probity's own
/// records), newest first, 50 a page, with filters, full text and a live tail.
pub async fn audit_trail(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<AuditQuery>,
) -> Response {
    if let Some(r) = refused(&who, Section::AuditTrail) {
        return r;
    }
    let filter = match q.params().parse() {
        Ok(f) => f,
        Err(e) => return error_page(&e),
    };
    let page = match IndexPage::parse(Some(50), q.cursor.as_deref()) {
        Ok(p) => p,
        Err(e) => return error_page(&e),
    };
    let tenant = who.principal.tenant.id;
    let store = state.platform().store();
    let (found, indexed_through) = match (
        store.search_events(tenant, &filter, &page).await,
        store.index_cursor(tenant).await,
    ) {
        (Ok(found), Ok(through)) => (found, through),
        (Err(e), _) | (_, Err(e)) => return error_page(&e.into()),
    };
    let mut rows: Vec<AuditRow> = found.iter().map(AuditRow::from).collect();
    let older = if rows.len() > 50 {
        rows.truncate(50);
        rows.last().map(|last| {
            let filters = q.query_string();
            let sep = if filters.is_empty() { "" } else { "&" };
            format!("/audit?{filters}{sep}cursor={}", last.index)
        })
    } else {
        None
    };
    let filters = q.query_string();
    let stream_url = if filters.is_empty() {
        "/audit/stream".to_owned()
    } else {
        format!("/audit/stream?{filters}")
    };
    render(
        StatusCode::OK,
        &AuditPage {
            shell: who.shell(Some(Section::AuditTrail), "Audit trail"),
            rows,
            older,
            first_page: q.cursor.is_none(),
            categories: choices(
                &Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                &q.category,
            ),
            severities: choices(
                &Severity::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                &q.min_severity,
            ),
            outcomes: choices(
                &EventOutcome::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>(),
                &q.outcome,
            ),
            sources: choices(&["ingest", "probity"], &q.source),
            filtered: !filters.is_empty(),
            filters: q,
            indexed_through,
            stream_url,
        },
    )
}

/// `GET /audit/stream`: the explorer's live tail (Server-Sent Events) in the tenant the page
/// shows (the tenant cookie, which the API does not read), from the newest indexed entry or
/// after `Last-Event-ID` when the browser reconnects.
pub async fn audit_stream(
    State(state): State<AppState>,
    who: SignedIn,
    headers: axum::http::HeaderMap,
    Query(q): Query<AuditQuery>,
) -> Response {
    use axum::response::IntoResponse as _;
    if let Some(r) = refused(&who, Section::AuditTrail) {
        return r;
    }
    let filter = match q.params().parse() {
        Ok(f) => f,
        Err(e) => return error_page(&e),
    };
    let store = std::sync::Arc::clone(state.platform().store());
    let tenant = who.principal.tenant.id;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let start = match resume {
        Some(last) => last.saturating_add(1),
        None => match store.index_cursor(tenant).await {
            Ok(n) => n,
            Err(e) => return error_page(&e.into()),
        },
    };
    crate::api::audit::tail(store, tenant, filter, start, true).into_response()
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    shell: Shell,
    ledger: LedgerView,
    origin: String,
}

/// `GET /ledger`: the tenant's log: size, latest signed checkpoint, how to verify.
pub async fn ledger(State(state): State<AppState>, who: SignedIn) -> Response {
    if let Some(r) = refused(&who, Section::Ledger) {
        return r;
    }
    let ledger = match ledger_view(&state, &who).await {
        Ok(l) => l,
        Err(e) => return error_page(&e),
    };
    render(
        StatusCode::OK,
        &LedgerPage {
            shell: who.shell(Some(Section::Ledger), "Ledger"),
            origin: checkpoint_origin(&state.http().public_host, &who.principal.tenant.slug),
            ledger,
        },
    )
}

/// A member as the settings page lists them.
#[derive(Debug, Clone)]
pub struct MemberRow {
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Role.
    pub role: &'static str,
    /// Whether TOTP is on.
    pub mfa: bool,
    /// Since when.
    pub joined: String,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    shell: Shell,
    require_mfa: bool,
    created: String,
    members: Vec<MemberRow>,
    more_members: bool,
}

/// `GET /settings`: the tenant and its members (owner, admin).
pub async fn settings(State(state): State<AppState>, who: SignedIn) -> Response {
    if let Some(r) = refused(&who, Section::Settings) {
        return r;
    }
    let page = PageRequest {
        limit: 200,
        after: None,
    };
    let members = match state.platform().members(&who.principal, &page).await {
        Ok(m) => m,
        Err(e) => return error_page(&e),
    };
    let tenant = &who.principal.tenant;
    render(
        StatusCode::OK,
        &SettingsPage {
            shell: who.shell(Some(Section::Settings), "Settings"),
            require_mfa: tenant.require_mfa,
            created: show_time(tenant.created_at),
            more_members: members.next_cursor.is_some(),
            members: members
                .items
                .iter()
                .map(|m| MemberRow {
                    name: m.user.display_name.clone(),
                    email: m.user.email.as_str().to_owned(),
                    role: role_label(m.role),
                    mfa: m.user.mfa_enabled,
                    joined: show_time(m.joined_at),
                })
                .collect(),
        },
    )
}
