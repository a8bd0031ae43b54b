//! The network edge of notifications: [`NetworkDispatch`] sends webhook, Slack and PagerDuty
//! messages over HTTP(S) (rustls, short timeout, no redirects) and email over SMTP (lettre),
//! and [`register`] adds the `notify.deliver` and `notify.escalate` job handlers to a worker.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use probity_core::jobs::Job;
use probity_core::notify::{
    DELIVER_JOB, DeliveryId, Dispatch, ESCALATE_JOB, NotificationId, NotifyService, Outbound,
    SendFailure,
};
use probity_core::platform::{PlatformService, TenantId};
use probity_core::{DomainError, DomainResult};
use secrecy::{ExposeSecret, SecretString};

use crate::jobs::Worker;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Implicit TLS (port 465).
    Tls,
    /// STARTTLS required (port 587).
    Starttls,
    /// Plain text: only for a relay on the same host or a test sink.
    None,
}

/// The SMTP relay email channels send through.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// Relay host name.
    pub host: String,
    /// Relay port.
    pub port: u16,
    /// Connection security.
    pub security: SmtpSecurity,
    /// User name, when the relay needs authentication.
    pub username: Option<String>,
    /// Password, when the relay needs authentication.
    pub password: Option<SecretString>,
    /// Sender address, e.g. `Probity <probity@example.com>`.
    pub from: String,
}

/// Network settings of outgoing notifications.
#[derive(Debug, Clone)]
pub struct DispatchSettings {
    /// Time limit of one HTTP or SMTP attempt.
    pub timeout: Duration,
    /// The SMTP relay; email channels fail (and retry) without one.
    pub smtp: Option<SmtpSettings>,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            smtp: None,
        }
    }
}

struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Sends notifications over the network.
pub struct NetworkDispatch {
    http: reqwest::Client,
    mailer: Option<Mailer>,
}

impl std::fmt::Debug for NetworkDispatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkDispatch")
            .field("smtp", &self.mailer.is_some())
            .finish_non_exhaustive()
    }
}

impl NetworkDispatch {
    /// Builds the HTTP client and the SMTP transport; fails on settings that cannot work.
    pub fn new(settings: &DispatchSettings) -> DomainResult<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            // Standard Webhooks: a redirect is a failure; the URL should be updated instead.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Probity/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DomainError::Internal(format!("http client: {e}")))?;
        let mailer = settings
            .smtp
            .as_ref()
            .map(|smtp| mailer(smtp, settings.timeout))
            .transpose()?;
        Ok(Self { http, mailer })
    }
}

fn mailer(smtp: &SmtpSettings, timeout: Duration) -> DomainResult<Mailer> {
    let bad = |field: &str, e: &dyn std::fmt::Display| {
        DomainError::invalid(format!("notify.smtp.{field}"), e.to_string())
    };
    let from: Mailbox = smtp.from.parse().map_err(|e| bad("from", &e))?;
    let tls = || TlsParameters::new(smtp.host.clone()).map_err(|e| bad("host", &e));
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .timeout(Some(timeout))
        .tls(match smtp.security {
            SmtpSecurity::Tls => Tls::Wrapper(tls()?),
            SmtpSecurity::Starttls => Tls::Required(tls()?),
            SmtpSecurity::None => Tls::None,
        });
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.expose_secret().to_owned(),
        ));
    }
    Ok(Mailer {
        transport: builder.build(),
        from,
    })
}

fn failure(status: Option<u16>, message: impl Into<String>) -> SendFailure {
    SendFailure {
        status,
        message: message.into(),
        // Standard Webhooks: 410 Gone means the receiver wants no more messages.
        permanent: status == Some(410),
    }
}

fn permanent(message: String) -> SendFailure {
    SendFailure {
        status: None,
        message,
        permanent: true,
    }
}

#[async_trait::async_trait]
impl Dispatch for NetworkDispatch {
    async fn send(&self, message: &Outbound) -> Result<Option<u16>, SendFailure> {
        match message {
            Outbound::Http { url, headers, body } => {
                let mut request = self
                    .http
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
                for (name, value) in headers {
                    request = request.header(name.as_str(), value.as_str());
                }
                let response = request.send().await.map_err(|e| {
                    // Without the URL: Slack URLs are secrets.
                    let kind = if e.is_timeout() {
                        "timed out"
                    } else if e.is_connect() {
                        "could not connect"
                    } else {
                        "request failed"
                    };
                    failure(None, kind)
                })?;
                let status = response.status().as_u16();
                if response.status().is_success() {
                    Ok(Some(status))
                } else {
                    Err(failure(
                        Some(status),
                        format!("the receiver answered HTTP {status}"),
                    ))
                }
            }
            Outbound::Email {
                to,
                subject,
                text,
                html,
            } => {
                let mailer = self
                    .mailer
                    .as_ref()
                    .ok_or_else(|| failure(None, "no SMTP relay is configured (notify.smtp)"))?;
                let mut builder = Message::builder()
                    .from(mailer.from.clone())
                    .subject(subject.as_str());
                for address in to {
                    let mailbox: Mailbox = address
                        .parse()
                        .map_err(|_| permanent(format!("bad recipient {address:?}")))?;
                    builder = builder.to(mailbox);
                }
                let email = builder
                    .multipart(MultiPart::alternative_plain_html(
                        text.clone(),
                        html.clone(),
                    ))
                    .map_err(|e| permanent(format!("cannot build the email: {e}")))?;
                mailer
                    .transport
                    .send(email)
                    .await
                    .map_err(|e| failure(None, format!("smtp: {e}")))?;
                Ok(None)
            }
        }
    }
}

fn payload_id<T: std::str::FromStr>(job: &Job, field: &str) -> Result<T, String> {
    job.payload
        .get(field)
        .and_then(serde_json::Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("job payload has no valid {field}"))
}

/// Adds the `notify.deliver` and `notify.escalate` handlers, running on `notify`.
pub fn register(worker: &mut Worker, notify: Arc<NotifyService>) {
    let deliver = Arc::clone(&notify);
    worker.register(
        DELIVER_JOB,
        Arc::new(move |_p: Arc<PlatformService>, job: Job| {
            let notify = Arc::clone(&deliver);
            Box::pin(async move {
                let id: DeliveryId = payload_id(&job, "delivery_id")?;
                let outcome = notify.attempt(id).await.map_err(|e| e.to_string())?;
                tracing::info!(delivery = %id, ?outcome, "notification delivery attempted");
                Ok(())
            })
        }),
    );
    worker.register(
        ESCALATE_JOB,
        Arc::new(move |_p: Arc<PlatformService>, job: Job| {
            let notify = Arc::clone(&notify);
            Box::pin(async move {
                let tenant: TenantId = payload_id(&job, "tenant_id")?;
                let id: NotificationId = payload_id(&job, "notification_id")?;
                let level = job
                    .payload
                    .get("level")
                    .and_then(serde_json::Value::as_i64)
                    .and_then(|l| i32::try_from(l).ok())
                    .ok_or("job payload has no valid level")?;
                let sent = notify
                    .escalate(tenant, id, level)
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(notification = %id, level, sent, "notification escalation step");
                Ok(())
            })
        }),
    );
}
