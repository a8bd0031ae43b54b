//! Demo reports: the report history of the demo tenant starts with the reports an auditor
//! and an executive ask for first, made from the demo data (each recorded in the ledger).

use super::{NewReport, ReportFormat, ReportKind, ReportParams, ReportService};
use crate::error::DomainResult;
use crate::platform::service::Principal;

/// Generates the demo reports unless the tenant already has some; returns how many it made.
pub async fn seed(service: &ReportService, who: &Principal) -> DomainResult<usize> {
    if !service.history(who).await?.is_empty() {
        return Ok(0);
    }
    let asks = [
        (ReportKind::Compliance, ReportFormat::Pdf, Some("soc2-2017")),
        (
            ReportKind::StatementOfApplicability,
            ReportFormat::Pdf,
            None,
        ),
        (ReportKind::RiskRegister, ReportFormat::Pdf, None),
        (ReportKind::SlaMonthly, ReportFormat::Pdf, None),
        (ReportKind::VendorScorecards, ReportFormat::Xlsx, None),
    ];
    for (kind, format, framework) in asks {
        service
            .generate(
                who,
                &NewReport {
                    kind,
                    format: Some(format),
                    params: ReportParams {
                        framework: framework.map(str::to_owned),
                        ..ReportParams::default()
                    },
                },
            )
            .await?;
    }
    Ok(asks.len())
}
