//! Integration tests of probity-oscal against published OSCAL content and the OSCAL 1.2.3
//! schemas in `../shared/testdata/oscal/` (read in place, never copied).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;
use std::sync::OnceLock;

use probity_oscal::SchemaSet;

/// `../shared/testdata/oscal`, from this crate's directory.
pub fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/oscal")
        .join(rel)
}

/// The OSCAL 1.2.3 per-model schemas, compiled once per test binary.
pub fn schemas() -> &'static SchemaSet {
    static SET: OnceLock<SchemaSet> = OnceLock::new();
    SET.get_or_init(|| SchemaSet::open(&testdata("schemas/json-1.2.3")).unwrap())
}

/// Reads a test file as bytes.
pub fn bytes(rel: &str) -> Vec<u8> {
    std::fs::read(testdata(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The FedRAMP profile's URL for the NIST catalog; the 5.0.1 test copy stands in for it.
pub const NIST_CATALOG_URL: &str = "https://raw.githubusercontent.com/usnistgov/oscal-content/v1.2.0/nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_catalog.json";
/// The NIST baselines' relative rlink to the catalog.
pub const NIST_CATALOG_RLINK: &str =
    "../../../../nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_catalog.json";

#[path = "oscal/catalog.rs"]
mod catalog;
#[path = "oscal/documents.rs"]
mod documents;
#[path = "oscal/export.rs"]
mod export;
#[path = "oscal/profiles.rs"]
mod profiles;
