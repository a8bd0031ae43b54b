//! Demo support tickets for `serve --demo`: twelve tickets across the three shipped tiers and
//! all priorities, with responses, notes and status changes back-dated from now, so that one
//! is breached, one waits on the customer (paused), one is at risk (the latter three run on
//! the around-the-clock enterprise calendar, so they are so at any hour) and some are solved.
//! Seeding is skipped when the tenant already has tickets, so a restart adds nothing twice.

use chrono::Duration;

use super::service::{NewNote, NewResponse, NewTicket, StatusInput, SupportService};
use super::ticket::{Author, Priority, TicketStatus};
use crate::error::DomainResult;
use crate::platform::service::Principal;

/// Something that happens to a demo ticket, minutes after it was opened.
#[derive(Debug, Clone, Copy)]
enum Step {
    Agent(&'static str),
    Customer(&'static str),
    Note(&'static str),
    Status(TicketStatus),
}

/// customer, organization, title, category, tier, priority, opened minutes ago, assignee,
/// steps (minutes after opening, step).
type DemoTicket = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Priority,
    i64,
    Option<&'static str>,
    &'static [(i64, Step)],
);

const TICKETS: [DemoTicket; 12] = [
    (
        "acct-7781",
        "Globex Logistics",
        "API returns 503 for all shipment lookups",
        "outage",
        "enterprise",
        Priority::Urgent,
        6 * 60,
        Some("dana.ops"),
        &[
            (
                12,
                Step::Agent("We see the errors too and are on it. Next update in 30 minutes."),
            ),
            (
                40,
                Step::Note("Root cause: connection pool exhausted after the 09:00 deploy."),
            ),
        ],
    ),
    (
        "acct-3310",
        "Initech",
        "SSO login loops back to the sign-in page",
        "access",
        "premium",
        Priority::High,
        2 * 24 * 60,
        Some("sam.support"),
        &[
            (
                45,
                Step::Agent("Could you send us the SAML response from your browser's dev tools?"),
            ),
            (46, Step::Status(TicketStatus::PendingCustomer)),
        ],
    ),
    (
        "acct-5520",
        "Umbrella Health",
        "Audit export is missing last week's events",
        "data",
        "enterprise",
        Priority::Normal,
        210,
        Some("dana.ops"),
        &[(
            30,
            Step::Note("Export job logs show a timeout on the 2026 partition."),
        )],
    ),
    (
        "acct-1044",
        "Stark Retail",
        "Invoice shows the wrong VAT rate",
        "billing",
        "standard",
        Priority::Normal,
        3 * 24 * 60,
        Some("lee.billing"),
        &[
            (
                120,
                Step::Agent("Thanks, we are checking the tax settings of your account."),
            ),
            (
                300,
                Step::Agent("Corrected invoice attached; the rate now follows your VAT id."),
            ),
            (301, Step::Status(TicketStatus::Solved)),
        ],
    ),
    (
        "acct-2207",
        "Wayne Foundation",
        "How do I add a second approver to a policy?",
        "how-to",
        "standard",
        Priority::Low,
        26 * 60,
        None,
        &[],
    ),
    (
        "acct-8890",
        "Acme Labs",
        "Webhook deliveries delayed by several minutes",
        "integrations",
        "premium",
        Priority::Normal,
        5 * 60,
        Some("sam.support"),
        &[(
            50,
            Step::Agent("We are looking into the delivery queue for your tenant."),
        )],
    ),
    (
        "acct-4415",
        "Cyberdyne Systems",
        "Request: export risks to XLSX",
        "feature-request",
        "standard",
        Priority::Low,
        6 * 24 * 60,
        Some("lee.billing"),
        &[
            (
                600,
                Step::Agent("Good news: the risk register report already renders to XLSX."),
            ),
            (700, Step::Status(TicketStatus::Solved)),
            (2000, Step::Status(TicketStatus::Closed)),
        ],
    ),
    (
        "acct-6623",
        "Soylent Foods",
        "Evidence upload fails for files over 20 MB",
        "bug",
        "premium",
        Priority::High,
        4 * 24 * 60,
        Some("dana.ops"),
        &[
            (
                30,
                Step::Agent("Reproduced; the body limit is 20 MB. We are raising it for you."),
            ),
            (200, Step::Status(TicketStatus::OnHold)),
            (1500, Step::Status(TicketStatus::Open)),
            (
                1600,
                Step::Agent("The limit is now 100 MB. Could you retry?"),
            ),
            (1601, Step::Status(TicketStatus::Solved)),
        ],
    ),
    (
        "acct-9001",
        "Tyrell Corp",
        "Charged twice for the November renewal",
        "billing",
        "enterprise",
        Priority::High,
        90,
        Some("lee.billing"),
        &[(
            8,
            Step::Agent("Sorry about that. The duplicate charge is being refunded."),
        )],
    ),
    (
        "acct-1122",
        "Hooli",
        "Dashboard loads slowly in the afternoon",
        "performance",
        "standard",
        Priority::Normal,
        40,
        None,
        &[],
    ),
    (
        "acct-3344",
        "Massive Dynamic",
        "Please confirm our data residency region",
        "compliance",
        "enterprise",
        Priority::Low,
        2 * 24 * 60,
        Some("sam.support"),
        &[
            (
                20,
                Step::Agent("Your tenant is hosted in eu-central; certificate attached."),
            ),
            (25, Step::Status(TicketStatus::Solved)),
            (
                900,
                Step::Customer("Thanks, could you also send the sub-processor list?"),
            ),
            (940, Step::Agent("Attached. Anything else?")),
        ],
    ),
    (
        "acct-5566",
        "Vandelay Industries",
        "User cannot reset their second factor",
        "access",
        "premium",
        Priority::Urgent,
        20,
        None,
        &[],
    ),
];

/// Seeds the demo tickets unless the tenant has some; returns how many it made.
pub async fn seed(service: &SupportService, who: &Principal) -> DomainResult<usize> {
    if !service.tickets(who, &Default::default()).await?.is_empty() {
        return Ok(0);
    }
    let now = service.now();
    let mut made = 0;
    for (customer, org, title, category, tier, priority, age, assignee, steps) in TICKETS {
        let opened = now - Duration::minutes(age);
        let view = service
            .create_ticket(
                who,
                &NewTicket {
                    customer_ref: customer.to_owned(),
                    organization: org.to_owned(),
                    title: title.to_owned(),
                    description: format!("{title}. Reported by {org} through the support portal."),
                    category: category.to_owned(),
                    priority: Some(priority),
                    tier: tier.to_owned(),
                    assignee: assignee.map(str::to_owned),
                    queue: None,
                    opened_at: Some(opened),
                },
            )
            .await?;
        let id = view.ticket.id;
        for (after, step) in steps {
            let at = opened + Duration::minutes(*after);
            match step {
                Step::Agent(body) | Step::Customer(body) => {
                    let author = if matches!(step, Step::Customer(_)) {
                        Author::Customer
                    } else {
                        Author::Agent
                    };
                    let r = NewResponse {
                        body: (*body).to_owned(),
                        author,
                        status: None,
                        version: None,
                    };
                    service.respond_at(who, id, &r, at).await?;
                }
                Step::Note(body) => {
                    let n = NewNote {
                        body: (*body).to_owned(),
                        version: None,
                    };
                    service.note_at(who, id, &n, at).await?;
                }
                Step::Status(status) => {
                    let s = StatusInput {
                        status: *status,
                        version: None,
                    };
                    service.set_status_at(who, id, &s, at).await?;
                }
            }
        }
        made += 1;
    }
    Ok(made)
}
