//! The asset inventory's types, and the CSV reader its import uses (RFC 4180: quoted fields,
//! doubled quotes, CRLF or LF line ends; our own small parser).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::risk::RiskId;
use super::vendor::VendorId;
use crate::platform::model::{TenantId, uuid_id};

uuid_id!(
    /// Identifies an asset.
    AssetId
);

/// Asset kinds.
pub const KINDS: [&str; 7] = [
    "system",
    "application",
    "data_store",
    "device",
    "process",
    "location",
    "person_role",
];
/// Classifications, least sensitive first.
pub const CLASSIFICATIONS: [&str; 4] = ["public", "internal", "confidential", "restricted"];
/// Criticalities, lowest first.
pub const CRITICALITIES: [&str; 4] = ["low", "medium", "high", "critical"];

/// An asset in the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Asset {
    /// Id.
    pub id: AssetId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// `A-001`, ...
    pub reference: String,
    /// Name, unique in the tenant.
    pub name: String,
    /// One of [`KINDS`].
    pub kind: String,
    /// Accountable owner.
    pub owner: String,
    /// One of [`CLASSIFICATIONS`].
    pub classification: String,
    /// One of [`CRITICALITIES`].
    pub criticality: String,
    /// Where it is (region, site, SaaS).
    pub location: String,
    /// Description.
    pub description: String,
    /// Risks it is exposed to.
    pub risk_ids: Vec<RiskId>,
    /// Unified controls protecting it.
    pub control_ids: Vec<String>,
    /// Vendors that provide or reach it.
    pub vendor_ids: Vec<VendorId>,
    /// Processing activities (records of processing) it supports, by reference.
    pub processing_activities: Vec<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A fresh asset id.
pub fn new_asset_id() -> AssetId {
    AssetId(Uuid::now_v7())
}

/// Why a CSV text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Reads CSV records (each with the line it starts on).
pub fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    quoted = false;
                    if !matches!(chars.peek(), None | Some(',' | '\r' | '\n')) {
                        return Err(CsvError {
                            line,
                            message: "text after a closing quote".into(),
                        });
                    }
                }
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                other => field.push(other),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                if !(fields.len() == 1 && fields.first().is_some_and(String::is_empty)) {
                    records.push((start, std::mem::take(&mut fields)));
                }
                fields.clear();
                line += 1;
                start = line;
                at_field_start = true;
            }
            other => {
                field.push(other);
                at_field_start = false;
            }
        }
    }
    if quoted {
        return Err(CsvError {
            line: start,
            message: "a quoted field is not closed".into(),
        });
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push((start, fields));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn csv_quotes_commas_newlines_and_blank_lines() {
        let text = "name,kind\r\n\"Billing, EU\",system\n\n\"Notes \"\"quoted\"\"\nsecond line\",process\nlast,device";
        let rows = parse_csv(text).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[1],
            (2, vec!["Billing, EU".to_owned(), "system".to_owned()])
        );
        assert_eq!(
            rows[2],
            (
                4,
                vec![
                    "Notes \"quoted\"\nsecond line".to_owned(),
                    "process".to_owned()
                ]
            )
        );
        assert_eq!(rows[3], (6, vec!["last".to_owned(), "device".to_owned()]));
        assert_eq!(parse_csv("a,\"b").unwrap_err().line, 1);
        assert!(parse_csv("\"a\"b,c").is_err());
        assert_eq!(
            parse_csv("\u{feff}x,y\n").unwrap(),
            vec![(1, vec!["x".to_owned(), "y".to_owned()])]
        );
    }
}
