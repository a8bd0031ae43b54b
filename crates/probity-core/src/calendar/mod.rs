//! The compliance calendar: every due date of a tenant across contexts — evidence expiry,
//! assessment periods, POA&M remediation and milestones, failing control tests, policy reviews
//! and acknowledgments, risk reviews, exception expiries, vendor reassessments and contract
//! ends, SLA windows, data subject request due dates and breach notification clocks — as one list, and as an iCalendar feed at a secret URL.
//!
//! - [`model`]: entry kinds, entries, date ranges, feeds;
//! - [`collect`]: pure builders from each context's records to entries (what is due when);
//! - [`ical`]: the RFC 5545 writer;
//! - [`store`]: the feed port.
//!
//! Entries are read through the contexts' own services, so the rules of what is current stay
//! where they are. Creating and revoking a feed are audit events in the tenant's ledger; reading
//! the calendar or a feed writes nothing (a calendar app polls a feed every few minutes, which
//! would flood the ledger with records of no evidential value).

pub mod collect;
pub mod ical;
pub mod model;
pub mod store;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;

pub use model::{
    CalendarEntry, CalendarFeed, CalendarFeedId, DateRange, EntryKind, FEED_DAYS_AHEAD,
    FEED_DAYS_BACK,
};
pub use store::CalendarStore;

use crate::assurance::AssuranceService;
use crate::audit::{Actor, ActorKind, AuditRecord};
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::governance::service::{party, short};
use crate::governance::{GovernanceService, Party};
use crate::keys::KeyService;
use crate::platform::model::Tenant;
use crate::platform::rules::Permission;
use crate::platform::service::Principal;
use crate::privacy::PrivacyService;
use crate::service_level::ServiceLevelService;
use crate::store::Store;
use crate::support::SupportService;

/// A new calendar feed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCalendarFeed {
    /// Label, e.g. "Work calendar" (1–100 characters).
    pub name: String,
    /// Only these kinds (all when empty).
    #[serde(default)]
    pub kinds: Vec<EntryKind>,
}

/// A feed just made: `token` is shown this once; only its SHA-256 is stored.
#[derive(Debug, Clone)]
pub struct IssuedFeed {
    /// The stored record.
    pub feed: CalendarFeed,
    /// The secret token.
    pub token: String,
    /// The feed's path on this server, `/calendar/<token>.ics`.
    pub path: String,
}

/// What a feed read gives: whose feed it is and its entries.
#[derive(Debug, Clone)]
pub struct FeedCalendar {
    /// The feed.
    pub feed: CalendarFeed,
    /// Its tenant.
    pub tenant: Tenant,
    /// Entries of [`FEED_DAYS_BACK`] days back to [`FEED_DAYS_AHEAD`] ahead.
    pub entries: Vec<CalendarEntry>,
    /// When it was read.
    pub now: DateTime<Utc>,
}

impl FeedCalendar {
    /// The feed as an iCalendar document, links made absolute with `public_url`.
    pub fn to_ical(&self, public_url: &str) -> String {
        ical::calendar(
            &format!("{} compliance calendar", self.tenant.name),
            &self.entries,
            public_url,
            self.now,
        )
    }
}

/// Calendar use cases over the contexts' services and the feed store.
pub struct CalendarService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    governance: GovernanceService,
    assurance: AssuranceService,
    service_levels: ServiceLevelService,
    privacy: PrivacyService,
    support: SupportService,
}

impl std::fmt::Debug for CalendarService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalendarService").finish_non_exhaustive()
    }
}

fn wants(kinds: &[EntryKind], any_of: &[EntryKind]) -> bool {
    kinds.is_empty() || any_of.iter().any(|k| kinds.contains(k))
}

fn feed_not_found() -> DomainError {
    DomainError::NotFound("calendar feed (unknown or revoked token)".into())
}

impl CalendarService {
    /// Builds the service; it reads through its own read-only instances of the contexts'
    /// services (no notifications are raised by reads).
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, keys: Arc<KeyService>) -> Self {
        Self {
            governance: GovernanceService::new(Arc::clone(&store), Arc::clone(&clock)),
            assurance: AssuranceService::new(Arc::clone(&store), Arc::clone(&clock), keys),
            service_levels: ServiceLevelService::new(Arc::clone(&store), Arc::clone(&clock)),
            privacy: PrivacyService::new(Arc::clone(&store), Arc::clone(&clock)),
            support: SupportService::new(Arc::clone(&store), Arc::clone(&clock)),
            store,
            clock,
        }
    }

    /// The service clock's now.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The range from optional ends, defaulting to 30 days back and 180 ahead of today.
    pub fn range(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> DomainResult<DateRange> {
        DateRange::checked(from, to, self.clock.now().date_naive())
    }

    /// Every due date in `range` (only `kinds`, all when empty), by date (any member).
    pub async fn entries(
        &self,
        who: &Principal,
        range: DateRange,
        kinds: &[EntryKind],
    ) -> DomainResult<Vec<CalendarEntry>> {
        who.require(Permission::Read)?;
        let now = self.clock.now();
        let mut all = Vec::new();
        if wants(kinds, &[EntryKind::EvidenceExpiry]) {
            all.extend(collect::evidence(
                &self.assurance.evidence_list(who).await?,
                now,
            ));
        }
        if wants(
            kinds,
            &[
                EntryKind::AssessmentPeriodEnd,
                EntryKind::RemediationDue,
                EntryKind::MilestoneDue,
            ],
        ) {
            all.extend(collect::assessments(
                &self.assurance.assessments(who).await?,
                now,
            ));
        }
        if wants(kinds, &[EntryKind::ControlTestFix]) {
            let mut failing = Vec::new();
            for t in self.assurance.control_tests(who).await? {
                if t.last_result == Some(crate::assurance::TestResult::Fail) {
                    failing.push(self.assurance.control_test(who, t.id).await?);
                }
            }
            all.extend(collect::control_tests(&failing, now));
        }
        if wants(
            kinds,
            &[EntryKind::PolicyReview, EntryKind::PolicyAcknowledgment],
        ) {
            all.extend(collect::policies(
                &self.governance.policies(who).await?,
                now,
            ));
        }
        if wants(kinds, &[EntryKind::RiskReview]) {
            all.extend(collect::risks(
                &self.governance.risks(who).await?.items,
                now,
            ));
        }
        if wants(kinds, &[EntryKind::ExceptionExpiry]) {
            all.extend(collect::exceptions(
                &self.governance.exceptions(who).await?,
                now,
            ));
        }
        if wants(
            kinds,
            &[EntryKind::VendorReassessment, EntryKind::VendorContractEnd],
        ) {
            all.extend(collect::vendors(&self.governance.vendors(who).await?, now));
        }
        if wants(kinds, &[EntryKind::SloWindowEnd]) {
            all.extend(collect::slo_windows(
                &self.service_levels.slos(who).await?,
                range,
                now,
            ));
        }
        if wants(kinds, &[EntryKind::PrivacyRequestDue]) {
            all.extend(collect::privacy_requests(
                &self.privacy.requests(who).await?,
                now,
            ));
        }
        if wants(kinds, &[EntryKind::BreachNotificationDue]) {
            all.extend(collect::breach_clocks(
                &self.privacy.breaches(who).await?,
                now,
            ));
        }
        if wants(kinds, &[EntryKind::SupportTicketDue]) {
            all.extend(collect::support_tickets(
                &self.support.tickets(who, &Default::default()).await?,
                now,
            ));
        }
        all.retain(|e| range.contains(e.date) && (kinds.is_empty() || kinds.contains(&e.kind)));
        all.sort_by(|a, b| {
            (a.date, a.due_at, a.kind, &a.title, &a.uid)
                .cmp(&(b.date, b.due_at, b.kind, &b.title, &b.uid))
        });
        Ok(all)
    }

    /// Makes a feed owned by the caller (a person, or an API token without one); audited as
    /// `calendar_feed.created` (without the token).
    pub async fn create_feed(
        &self,
        who: &Principal,
        req: &NewCalendarFeed,
    ) -> DomainResult<IssuedFeed> {
        who.require(Permission::Read)?;
        let name = short("name", &req.name, 100)?;
        let mut kinds = req.kinds.clone();
        kinds.sort();
        kinds.dedup();
        let owner = match (who.user_id, who.token_id) {
            (Some(user), _) => {
                let label = self
                    .store
                    .user_by_id(user)
                    .await?
                    .map_or_else(|| who.actor.display.clone(), |u| u.email.to_string());
                Party {
                    id: format!("user:{user}"),
                    name: label,
                }
            }
            (None, Some(_)) => party(who),
            (None, None) => {
                return Err(DomainError::invalid(
                    "owner",
                    "a calendar feed belongs to a person or an API token: create it signed in, \
                     with a token, or with `probity calendar feed create --user EMAIL`",
                ));
            }
        };
        let now = self.clock.now();
        let feed = CalendarFeed {
            id: CalendarFeedId::new(),
            tenant_id: who.tenant.id,
            name,
            owner,
            user_id: who.user_id,
            token_id: if who.user_id.is_some() {
                None
            } else {
                who.token_id
            },
            kinds,
            created_at: now,
            revoked_at: None,
        };
        let token = probity_crypto::SessionId::generate();
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "calendar_feed.created",
            &who.actor,
            ("calendar_feed", feed.id.to_string()),
            now,
        )
        .with_details(json!({
            "name": feed.name, "owner": feed.owner.id,
            "kinds": feed.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        }));
        self.store
            .insert_calendar_feed(&feed, token.hash().as_str(), &event)
            .await?;
        let secret = token.expose_secret().to_owned();
        Ok(IssuedFeed {
            path: format!("/calendar/{secret}.ics"),
            token: secret,
            feed,
        })
    }

    /// Whose feeds the caller sees and revokes: its own; Probity itself (the CLI) all.
    fn owner_filter(who: &Principal) -> Option<String> {
        (who.actor.kind != ActorKind::System).then(|| party(who).id)
    }

    /// The caller's feeds, revoked ones included, newest first (the CLI: every feed).
    pub async fn feeds(&self, who: &Principal) -> DomainResult<Vec<CalendarFeed>> {
        who.require(Permission::Read)?;
        let owner = Self::owner_filter(who);
        Ok(self
            .store
            .list_calendar_feeds(who.tenant.id, owner.as_deref())
            .await?)
    }

    /// Revokes one of the caller's feeds; it answers 404 from then on. Audited as
    /// `calendar_feed.revoked`.
    pub async fn revoke_feed(&self, who: &Principal, id: CalendarFeedId) -> DomainResult<()> {
        who.require(Permission::Read)?;
        let owner = Self::owner_filter(who);
        let now = self.clock.now();
        let event = AuditRecord::new(
            Some(who.tenant.id),
            "calendar_feed.revoked",
            &who.actor,
            ("calendar_feed", id.to_string()),
            now,
        );
        if !self
            .store
            .revoke_calendar_feed(who.tenant.id, id, owner.as_deref(), now, &event)
            .await?
        {
            return Err(DomainError::NotFound(format!("active calendar feed {id}")));
        }
        Ok(())
    }

    /// The calendar a feed token opens, read with its owner's current rights: a revoked feed,
    /// a removed member or a revoked or expired owning token all answer not found. Writes
    /// nothing.
    pub async fn feed(&self, token: &str) -> DomainResult<FeedCalendar> {
        let token = probity_crypto::SessionId::parse(token).map_err(|_| feed_not_found())?;
        let feed = self
            .store
            .calendar_feed_by_token(token.hash().as_str())
            .await?
            .filter(|f| f.revoked_at.is_none())
            .ok_or_else(feed_not_found)?;
        let tenant = self
            .store
            .tenant_by_id(feed.tenant_id)
            .await?
            .ok_or_else(feed_not_found)?;
        let now = self.clock.now();
        let role = match (feed.user_id, feed.token_id) {
            (Some(user), _) => self
                .store
                .membership(tenant.id, user)
                .await?
                .map(|m| m.role),
            (None, Some(t)) => self
                .store
                .api_token(tenant.id, t)
                .await?
                .filter(|t| t.revoked_at.is_none() && t.expires_at.is_none_or(|at| at > now))
                .map(|t| t.role),
            (None, None) => None,
        }
        .ok_or_else(feed_not_found)?;
        let who = Principal {
            tenant: tenant.clone(),
            role,
            actor: Actor {
                kind: if feed.user_id.is_some() {
                    ActorKind::User
                } else {
                    ActorKind::ApiToken
                },
                id: feed.owner.id.clone(),
                display: feed.owner.name.clone(),
            },
            user_id: feed.user_id,
            token_id: feed.token_id,
            mfa_enrolment_required: false,
        };
        let range = DateRange::around(now.date_naive(), FEED_DAYS_BACK, FEED_DAYS_AHEAD);
        let entries = self.entries(&who, range, &feed.kinds).await?;
        Ok(FeedCalendar {
            feed,
            tenant,
            entries,
            now,
        })
    }
}
