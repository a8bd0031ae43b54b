//! A tenant's support desk configuration: business-hours calendars, SLA policies per support
//! tier × priority (first-response and resolution targets in business minutes, the calendar
//! they run on, the warning lead time), routing rules (category → queue, first match, then
//! the default queue) and whether `on_hold` pauses the clocks like `pending_customer` does.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::hours::{BusinessCalendar, Hours};
use super::ticket::Priority;
use crate::error::{DomainError, DomainResult};

/// An SLA policy: the targets of tickets of one tier and priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    /// The support tier (`standard`, `premium`, `enterprise`, ...).
    pub tier: String,
    /// The priority.
    pub priority: Priority,
    /// First public agent response within this many business minutes.
    pub first_response_minutes: u32,
    /// Solved within this many business minutes.
    pub resolution_minutes: u32,
    /// The key of the business-hours calendar the clocks run on.
    pub calendar: String,
    /// Warn this many business minutes before a clock runs out.
    #[serde(default)]
    pub warning_minutes: u32,
}

/// A routing rule: tickets of this category go to this queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TicketRoutingRule)]
pub struct RoutingRule {
    /// The category (matched without regard to case).
    pub category: String,
    /// The queue.
    pub queue: String,
}

/// The support desk configuration of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportConfig {
    /// Business-hours calendars.
    pub calendars: Vec<BusinessCalendar>,
    /// SLA policies, one per tier × priority.
    pub policies: Vec<SlaPolicy>,
    /// Routing rules, first match wins.
    #[serde(default)]
    pub routing: Vec<RoutingRule>,
    /// The queue of tickets no rule routes.
    pub default_queue: String,
    /// Whether `on_hold` pauses the clocks (`pending_customer` always does).
    #[serde(default)]
    pub pause_on_hold: bool,
    /// Bumped by every change; on a write, the version the caller read (a stale one is a
    /// conflict; 0 overwrites whatever is stored).
    #[serde(default)]
    pub version: u32,
}

/// The policy a ticket runs under, copied onto it when it is created or re-prioritised, so a
/// later change of the configuration leaves running clocks as they were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AppliedPolicy {
    /// First-response target, business minutes.
    pub first_response_minutes: u32,
    /// Resolution target, business minutes.
    pub resolution_minutes: u32,
    /// Warning lead time, business minutes.
    pub warning_minutes: u32,
    /// The calendar the clocks run on.
    pub calendar: BusinessCalendar,
    /// Whether `on_hold` pauses the clocks.
    pub pause_on_hold: bool,
}

const MAX_ITEMS: usize = 200;

/// A shipped tier: its name, its calendar, and per priority the first-response, resolution
/// and warning minutes.
type DefaultTier = (&'static str, &'static str, [(Priority, u32, u32, u32); 4]);
const MAX_TARGET_MINUTES: u32 = 525_600;

fn key(field: &str, v: &str) -> DomainResult<String> {
    let v = v.trim();
    if v.is_empty() || v.len() > 64 {
        return Err(DomainError::invalid(field, "1 to 64 characters"));
    }
    if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(DomainError::invalid(
            field,
            "letters, digits, '-', '_' and '.' only",
        ));
    }
    Ok(v.to_ascii_lowercase())
}

impl Default for SupportConfig {
    /// Office hours (Monday–Friday 09:00–17:00 UTC) for `standard` and `premium`, around the
    /// clock for `enterprise`; billing and outage tickets routed to their own queues.
    fn default() -> Self {
        use Priority as P;
        let table: [DefaultTier; 3] = [
            (
                "standard",
                "office",
                [
                    (P::Urgent, 120, 960, 30),
                    (P::High, 240, 1440, 60),
                    (P::Normal, 480, 2400, 60),
                    (P::Low, 960, 4800, 120),
                ],
            ),
            (
                "premium",
                "office",
                [
                    (P::Urgent, 60, 480, 15),
                    (P::High, 120, 960, 30),
                    (P::Normal, 240, 1920, 60),
                    (P::Low, 480, 2880, 120),
                ],
            ),
            (
                "enterprise",
                "24x7",
                [
                    (P::Urgent, 30, 240, 10),
                    (P::High, 60, 480, 15),
                    (P::Normal, 240, 1440, 60),
                    (P::Low, 480, 2880, 120),
                ],
            ),
        ];
        let policies = table
            .iter()
            .flat_map(|(tier, calendar, rows)| {
                rows.iter().map(move |(priority, fr, res, warn)| SlaPolicy {
                    tier: (*tier).to_owned(),
                    priority: *priority,
                    first_response_minutes: *fr,
                    resolution_minutes: *res,
                    calendar: (*calendar).to_owned(),
                    warning_minutes: *warn,
                })
            })
            .collect();
        SupportConfig {
            calendars: vec![
                BusinessCalendar::office("office", "Office hours (UTC)", "UTC"),
                BusinessCalendar::around_the_clock("24x7", "Around the clock"),
            ],
            policies,
            routing: vec![
                RoutingRule {
                    category: "billing".into(),
                    queue: "billing".into(),
                },
                RoutingRule {
                    category: "outage".into(),
                    queue: "incidents".into(),
                },
            ],
            default_queue: "general".into(),
            pause_on_hold: false,
            version: 0,
        }
    }
}

impl SupportConfig {
    /// Checks and normalises the configuration (keys lowercased, tiers and queues trimmed);
    /// errors name the field, e.g. `policies[3].calendar`.
    pub fn checked(&self) -> DomainResult<SupportConfig> {
        if self.calendars.is_empty() {
            return Err(DomainError::invalid(
                "calendars",
                "give at least one calendar",
            ));
        }
        for (what, n) in [
            ("calendars", self.calendars.len()),
            ("policies", self.policies.len()),
            ("routing", self.routing.len()),
        ] {
            if n > MAX_ITEMS {
                return Err(DomainError::invalid(what, format!("at most {MAX_ITEMS}")));
            }
        }
        let mut calendars = Vec::new();
        let mut keys = BTreeSet::new();
        for (i, c) in self.calendars.iter().enumerate() {
            let mut c = c.clone();
            c.key = key(&format!("calendars[{i}].key"), &c.key)?;
            if !keys.insert(c.key.clone()) {
                return Err(DomainError::invalid(
                    format!("calendars[{i}].key"),
                    format!("{} is used twice", c.key),
                ));
            }
            c.name = c.name.trim().to_owned();
            c.holidays.sort_unstable();
            c.holidays.dedup();
            c.compile(&format!("calendars[{i}]"))?;
            calendars.push(c);
        }
        let mut policies = Vec::new();
        let mut pairs = BTreeSet::new();
        for (i, p) in self.policies.iter().enumerate() {
            let mut p = p.clone();
            p.tier = key(&format!("policies[{i}].tier"), &p.tier)?;
            p.calendar = p.calendar.trim().to_ascii_lowercase();
            if !keys.contains(&p.calendar) {
                return Err(DomainError::invalid(
                    format!("policies[{i}].calendar"),
                    format!("no calendar has the key {:?}", p.calendar),
                ));
            }
            for (field, v) in [
                ("first_response_minutes", p.first_response_minutes),
                ("resolution_minutes", p.resolution_minutes),
            ] {
                if v == 0 || v > MAX_TARGET_MINUTES {
                    return Err(DomainError::invalid(
                        format!("policies[{i}].{field}"),
                        format!("1 to {MAX_TARGET_MINUTES} business minutes"),
                    ));
                }
            }
            if p.resolution_minutes < p.first_response_minutes {
                return Err(DomainError::invalid(
                    format!("policies[{i}].resolution_minutes"),
                    "cannot be shorter than the first-response target",
                ));
            }
            if p.warning_minutes >= p.resolution_minutes {
                return Err(DomainError::invalid(
                    format!("policies[{i}].warning_minutes"),
                    "must be shorter than the resolution target",
                ));
            }
            if !pairs.insert((p.tier.clone(), p.priority)) {
                return Err(DomainError::invalid(
                    format!("policies[{i}]"),
                    format!(
                        "{} × {} has another policy already",
                        p.tier,
                        p.priority.as_str()
                    ),
                ));
            }
            policies.push(p);
        }
        let mut routing = Vec::new();
        for (i, r) in self.routing.iter().enumerate() {
            routing.push(RoutingRule {
                category: key(&format!("routing[{i}].category"), &r.category)?,
                queue: key(&format!("routing[{i}].queue"), &r.queue)?,
            });
        }
        Ok(SupportConfig {
            calendars,
            policies,
            routing,
            default_queue: key("default_queue", &self.default_queue)?,
            pause_on_hold: self.pause_on_hold,
            version: self.version,
        })
    }

    /// The support tiers the policies name, sorted.
    pub fn tiers(&self) -> Vec<String> {
        let tiers: BTreeSet<&str> = self.policies.iter().map(|p| p.tier.as_str()).collect();
        tiers.into_iter().map(str::to_owned).collect()
    }

    /// The queue a ticket of `category` goes to: the first rule naming the category, else the
    /// default queue.
    pub fn route(&self, category: &str) -> String {
        self.routing
            .iter()
            .find(|r| r.category.eq_ignore_ascii_case(category.trim()))
            .map_or_else(|| self.default_queue.clone(), |r| r.queue.clone())
    }

    /// The policy of `tier` × `priority`, applied (`tier` is the field named in errors).
    pub fn policy_for(&self, tier: &str, priority: Priority) -> DomainResult<AppliedPolicy> {
        let tier = tier.trim().to_ascii_lowercase();
        let Some(p) = self
            .policies
            .iter()
            .find(|p| p.tier == tier && p.priority == priority)
        else {
            let tiers = self.tiers();
            return Err(if tiers.contains(&tier) {
                DomainError::invalid(
                    "priority",
                    format!(
                        "tier {tier} has no policy for priority {}",
                        priority.as_str()
                    ),
                )
            } else {
                DomainError::invalid(
                    "tier",
                    format!(
                        "{tier:?} is not a configured tier (one of: {})",
                        tiers.join(", ")
                    ),
                )
            });
        };
        let calendar = self
            .calendars
            .iter()
            .find(|c| c.key == p.calendar)
            .cloned()
            .ok_or_else(|| DomainError::Internal(format!("calendar {} missing", p.calendar)))?;
        Ok(AppliedPolicy {
            first_response_minutes: p.first_response_minutes,
            resolution_minutes: p.resolution_minutes,
            warning_minutes: p.warning_minutes,
            calendar,
            pause_on_hold: self.pause_on_hold,
        })
    }
}

impl AppliedPolicy {
    /// The compiled calendar (checked when the configuration was saved).
    pub fn hours(&self) -> DomainResult<Hours> {
        self.calendar
            .compile("calendar")
            .map_err(|e| DomainError::Internal(format!("stored calendar is not valid: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_configuration_is_valid_and_routes_by_category() {
        let c = SupportConfig::default().checked().unwrap();
        assert_eq!(c.tiers(), ["enterprise", "premium", "standard"]);
        assert_eq!(c.route("Billing"), "billing");
        assert_eq!(c.route("outage"), "incidents");
        assert_eq!(c.route("how-to"), "general");
        let p = c.policy_for("Premium", Priority::Urgent).unwrap();
        assert_eq!((p.first_response_minutes, p.resolution_minutes), (60, 480));
        assert_eq!(p.calendar.key, "office");
    }

    #[test]
    fn first_match_wins_and_errors_name_the_field() {
        let mut c = SupportConfig::default();
        c.routing.insert(
            0,
            RoutingRule {
                category: "billing".into(),
                queue: "finance".into(),
            },
        );
        assert_eq!(c.checked().unwrap().route("billing"), "finance");
        let e = c.policy_for("gold", Priority::Low).unwrap_err().to_string();
        assert!(e.contains("tier") && e.contains("gold"), "{e}");
        let mut bad = SupportConfig::default();
        if let Some(p) = bad.policies.get_mut(3) {
            p.calendar = "nowhere".into();
        }
        let e = bad.checked().unwrap_err().to_string();
        assert!(e.contains("policies[3].calendar"), "{e}");
        let mut twice = SupportConfig::default();
        let first = twice.policies.first().cloned().unwrap();
        twice.policies.push(first);
        assert!(
            twice
                .checked()
                .unwrap_err()
                .to_string()
                .contains("policies[12]")
        );
        let mut zero = SupportConfig::default();
        if let Some(p) = zero.policies.first_mut() {
            p.first_response_minutes = 0;
        }
        assert!(
            zero.checked()
                .unwrap_err()
                .to_string()
                .contains("policies[0].first_response_minutes")
        );
    }
}
