//! View models: plain data the templates render, built from domain types. Templates only
//! print these fields; every decision (what the role may see, what a date looks like, which
//! path is a safe redirect) is made here, where it can be unit-tested.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use probity_core::platform::rules::{Permission, role_allows};
use probity_core::platform::{Role, Tenant};

use super::assets::ASSETS;

/// The product name shown in the header and titles.
pub const PRODUCT: &str = "Probity";

/// One entry of the main navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The executive dashboard.
    Dashboard,
    /// The tenant's audit records.
    AuditTrail,
    /// The verifiable ledger.
    Ledger,
    /// Frameworks, controls, assessments, evidence, control tests.
    Compliance,
    /// Policies, risks, exceptions, vendors, assets.
    Governance,
    /// Processing records, DSRs, breaches (not built yet).
    Privacy,
    /// Services, SLOs and SLAs, violations, credits.
    ServiceLevels,
    /// Support tickets and their SLA clocks.
    Support,
    /// Reports: generate, history, schedules.
    Reports,
    /// Every due date across contexts, and calendar feeds.
    Calendar,
    /// Tenant settings and members.
    Settings,
}

impl Section {
    /// Every section, in navigation order.
    pub const ALL: [Section; 11] = [
        Section::Dashboard,
        Section::AuditTrail,
        Section::Ledger,
        Section::Compliance,
        Section::Governance,
        Section::Privacy,
        Section::ServiceLevels,
        Section::Support,
        Section::Reports,
        Section::Calendar,
        Section::Settings,
    ];

    /// The page's path.
    pub fn href(self) -> &'static str {
        match self {
            Section::Dashboard => "/",
            Section::AuditTrail => "/audit",
            Section::Ledger => "/ledger",
            Section::Compliance => "/compliance",
            Section::Governance => "/governance",
            Section::Privacy => "/privacy",
            Section::ServiceLevels => "/service-levels",
            Section::Support => "/support",
            Section::Reports => "/reports",
            Section::Calendar => "/calendar",
            Section::Settings => "/settings",
        }
    }

    /// The navigation label and page title.
    pub fn label(self) -> &'static str {
        match self {
            Section::Dashboard => "Dashboard",
            Section::AuditTrail => "Audit trail",
            Section::Ledger => "Ledger",
            Section::Compliance => "Compliance",
            Section::Governance => "Governance",
            Section::Privacy => "Privacy",
            Section::ServiceLevels => "Service levels",
            Section::Support => "Support",
            Section::Reports => "Reports",
            Section::Calendar => "Calendar",
            Section::Settings => "Settings",
        }
    }

    /// The permission a role needs to open the section.
    pub fn permission(self) -> Permission {
        match self {
            Section::AuditTrail | Section::Ledger => Permission::Audit,
            Section::Settings => Permission::ManageMembers,
            _ => Permission::Read,
        }
    }

    /// Whether `role` sees the section.
    pub fn visible_to(self, role: Role) -> bool {
        role_allows(role, self.permission())
    }
}

/// A navigation link.
#[derive(Debug, Clone)]
pub struct NavLink {
    /// Path.
    pub href: &'static str,
    /// Label.
    pub label: &'static str,
    /// Whether it is the page being shown.
    pub current: bool,
}

/// A tenant in the switcher.
#[derive(Debug, Clone)]
pub struct TenantChoice {
    /// Slug (the form value).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The user's role there.
    pub role: &'static str,
    /// Whether the page acts in it.
    pub current: bool,
}

/// Everything the layout (header, navigation, user menu) shows.
#[derive(Debug, Clone)]
pub struct Shell {
    /// `<title>`.
    pub title: String,
    /// Product name.
    pub product: &'static str,
    /// The tenant the page acts in.
    pub tenant_name: String,
    /// Its slug.
    pub tenant_slug: String,
    /// The user's role there, human-readable.
    pub role: &'static str,
    /// The signed-in user's name.
    pub user_name: String,
    /// Their email.
    pub user_email: String,
    /// The CSRF token for this session's forms.
    pub csrf: String,
    /// The user's tenants.
    pub tenants: Vec<TenantChoice>,
    /// Navigation.
    pub nav: Vec<NavLink>,
    /// The current path (the switcher returns here).
    pub path: String,
    /// Stylesheet URL.
    pub css: &'static str,
    /// Script URL.
    pub js: &'static str,
    /// Icon URL.
    pub icon: &'static str,
}

/// Who is looking at a page, for building its [`Shell`].
#[derive(Debug, Clone)]
pub struct Viewer<'a> {
    /// The tenant the page acts in.
    pub tenant: &'a Tenant,
    /// The user's role there.
    pub role: Role,
    /// The user's name.
    pub user_name: &'a str,
    /// The user's email.
    pub user_email: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// The user's tenants and roles.
    pub memberships: &'a [(Tenant, Role)],
}

impl Shell {
    /// The layout of `section` (or of a page outside the navigation, titled `title`).
    pub fn new(viewer: &Viewer<'_>, section: Option<Section>, title: &str, path: &str) -> Shell {
        let nav = Section::ALL
            .into_iter()
            .filter(|s| s.visible_to(viewer.role))
            .map(|s| NavLink {
                href: s.href(),
                label: s.label(),
                current: Some(s) == section,
            })
            .collect();
        let tenants = viewer
            .memberships
            .iter()
            .map(|(t, r)| TenantChoice {
                slug: t.slug.as_str().to_owned(),
                name: t.name.clone(),
                role: role_label(*r),
                current: t.id == viewer.tenant.id,
            })
            .collect();
        Shell {
            title: format!("{title} · {} · {PRODUCT}", viewer.tenant.name),
            product: PRODUCT,
            tenant_name: viewer.tenant.name.clone(),
            tenant_slug: viewer.tenant.slug.as_str().to_owned(),
            role: role_label(viewer.role),
            user_name: viewer.user_name.to_owned(),
            user_email: viewer.user_email.to_owned(),
            csrf: viewer.csrf.to_owned(),
            tenants,
            nav,
            path: path.to_owned(),
            css: &ASSETS.css.href,
            js: &ASSETS.js.href,
            icon: &ASSETS.icon.href,
        }
    }

    /// Whether the user belongs to more than one tenant (the switcher is shown).
    pub fn can_switch(&self) -> bool {
        self.tenants.len() > 1
    }
}

/// A role as people read it.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Owner => "Owner",
        Role::Admin => "Administrator",
        Role::ComplianceManager => "Compliance manager",
        Role::Auditor => "Auditor",
        Role::Contributor => "Contributor",
        Role::Viewer => "Viewer",
    }
}

/// A time as shown on pages: UTC, to the minute.
pub fn show_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `days + 1` UTC midnights ending with the one after `now`: the bounds of the last `days`
/// calendar days, today included.
pub fn day_bounds(now: DateTime<Utc>, days: u32) -> Vec<DateTime<Utc>> {
    let tomorrow = (now.date_naive() + Duration::days(1))
        .and_time(NaiveTime::MIN)
        .and_utc();
    (0..=days)
        .rev()
        .map(|back| tomorrow - Duration::days(i64::from(back)))
        .collect()
}

/// Where to go after signing in: `next` when it is a path on this site, `/` otherwise. Refuses
/// absolute and scheme-relative URLs (`//host`, `/\host`) and control characters, so a link
/// cannot send someone elsewhere after they sign in.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(next) = next else {
        return "/".to_owned();
    };
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() <= 2048
        && !next.starts_with("/login")
        && !next.starts_with("/logout");
    if local {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

/// Percent-encodes `text` for a query-string value.
pub fn query_escape(text: &str) -> String {
    escape(text, b"-_.~/")
}

/// Percent-encodes `text` for one path segment (or a query value): `/` is encoded too.
pub fn segment_escape(text: &str) -> String {
    escape(text, b"-_.~")
}

fn escape(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn next_is_only_ever_a_local_path() {
        for ok in ["/", "/ledger", "/audit?cursor=abc", "/a/b#c"] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "https://evil.test/",
            "//evil.test",
            "/\\evil.test",
            "\\\\evil.test",
            "evil.test",
            "javascript:alert(1)",
            "/\n/evil.test",
            "",
            "/login",
            "/logout",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn day_bounds_cover_the_last_days_including_today() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap();
        let bounds = day_bounds(now, 14);
        assert_eq!(bounds.len(), 15);
        assert_eq!(
            bounds[0],
            Utc.with_ymd_and_hms(2026, 2, 17, 0, 0, 0).unwrap()
        );
        assert_eq!(
            bounds[14],
            Utc.with_ymd_and_hms(2026, 3, 3, 0, 0, 0).unwrap()
        );
        assert!(bounds[13] <= now && now < bounds[14]);
        assert!(bounds.windows(2).all(|w| w[1] - w[0] == Duration::days(1)));
    }

    #[test]
    fn navigation_follows_the_role() {
        let visible = |role| -> Vec<&str> {
            Section::ALL
                .into_iter()
                .filter(|s| s.visible_to(role))
                .map(Section::label)
                .collect()
        };
        assert!(visible(Role::Owner).contains(&"Settings"));
        assert!(visible(Role::Admin).contains(&"Settings"));
        for role in [
            Role::ComplianceManager,
            Role::Auditor,
            Role::Contributor,
            Role::Viewer,
        ] {
            assert!(!visible(role).contains(&"Settings"), "{role:?}");
        }
        assert!(visible(Role::Auditor).contains(&"Ledger"));
        assert!(!visible(Role::Viewer).contains(&"Audit trail"));
        assert!(visible(Role::Viewer).contains(&"Compliance"));
    }

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(query_escape("/audit?x=1&y"), "/audit%3Fx%3D1%26y");
    }
}
