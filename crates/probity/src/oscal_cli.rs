//! `probity oscal`: validate an OSCAL document (exit 0 valid, 1 invalid, 2 usage or I/O),
//! resolve a profile into a catalog, and summarize a document. Works on files only, with no
//! store: OSCAL files are interchange, imported into a tenant by the catalog context.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use probity_oscal::resolve::{self, Sources, Stamp};
use probity_oscal::validate::{self, SchemaLayer};
use probity_oscal::{SchemaSet, parse};

use crate::output::{self, Format};

#[derive(Debug, Subcommand)]
pub enum OscalCommand {
    /// Validate an OSCAL JSON document: structure, unique UUIDs, references and, with a schema
    /// directory, the OSCAL JSON Schema. Prints `POINTER: message` per finding.
    Validate {
        /// The document (any OSCAL 1.x model, JSON).
        file: PathBuf,
        /// Directory of OSCAL per-model JSON Schemas (oscal_<model>_schema.json, e.g. from the
        /// OSCAL 1.2.3 release); without it the JSON Schema layer is skipped.
        #[arg(long, env = "PROBITY_OSCAL_SCHEMAS")]
        schemas: Option<PathBuf>,
    },
    /// Resolve a profile (baseline) into the catalog of its selected, tailored controls.
    Resolve {
        /// The profile file.
        profile: PathBuf,
        /// Load an import's href (URL or path, as written in the profile or its back-matter)
        /// from a local file: `HREF=FILE`. Repeatable.
        #[arg(long = "catalog", value_name = "HREF=FILE")]
        catalogs: Vec<String>,
        /// Where to write the resolved catalog (JSON).
        #[arg(long)]
        out: PathBuf,
    },
    /// Export the shipped catalog as OSCAL 1.2.3 (validated before it is written):
    /// `--model catalog --framework ID` (or `probity-controls`), `--model profile --baseline ID`
    /// (its resolved catalog), `--model mapping --framework ID | --crosswalk FROM:TO`.
    Export {
        /// catalog, profile, mapping; with --tenant: component, ssp, ap, ar, poam.
        #[arg(long)]
        model: String,
        /// A shipped framework id, or `probity-controls` for the unified control library.
        #[arg(long)]
        framework: Option<String>,
        /// A shipped baseline id, e.g. `fedramp-r5-moderate`.
        #[arg(long)]
        baseline: Option<String>,
        /// A shipped crosswalk, `FROM:TO`.
        #[arg(long)]
        crosswalk: Option<String>,
        /// Tenant slug, for `component`, `ssp`, `ap`, `ar` and `poam` (opens the store).
        #[arg(long)]
        tenant: Option<String>,
        /// An assessment version's id, for `ap`, `ar` and `poam` (with --tenant).
        #[arg(long)]
        assessment: Option<String>,
        /// Where to write the JSON.
        #[arg(long)]
        out: PathBuf,
        /// Directory of OSCAL per-model JSON Schemas to validate against as well.
        #[arg(long, env = "PROBITY_OSCAL_SCHEMAS")]
        schemas: Option<PathBuf>,
    },
    /// Import a catalog, profile (resolved against `--catalog`, an earlier import's id) or
    /// component definition into a tenant's catalog (local store); rejected as a whole with
    /// `POINTER: message` per finding.
    Import {
        /// The document (OSCAL 1.x JSON).
        file: PathBuf,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// For a profile: the id of the tenant's imported catalog to resolve it against.
        #[arg(long)]
        catalog: Option<String>,
    },
    /// A tenant's imported OSCAL documents.
    Imports {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
    },
    /// Show a document's model, OSCAL version and counts.
    Info {
        /// The document.
        file: PathBuf,
    },
}

/// Why an `oscal` command failed; usage and I/O problems exit 2, invalid documents 1.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The document has findings (already printed).
    #[error("{0}")]
    Invalid(String),
    /// Bad arguments or unreadable input.
    #[error("{0}")]
    Usage(String),
}

impl Failure {
    /// Whether this is a usage or I/O problem.
    pub fn is_usage(&self) -> bool {
        matches!(self, Failure::Usage(_))
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))
}

pub fn run(command: OscalCommand, format: Format) -> Result<(), Failure> {
    match command {
        OscalCommand::Import { .. } | OscalCommand::Imports { .. } => {
            Err(Failure::Usage("internal: import needs the store".into()))
        }
        OscalCommand::Validate { file, schemas } => {
            validate_file(&file, schemas.as_deref(), format)
        }
        OscalCommand::Resolve {
            profile,
            catalogs,
            out,
        } => resolve_profile(&profile, &catalogs, &out, format),
        OscalCommand::Info { file } => info(&file, format),
        OscalCommand::Export {
            model,
            framework,
            baseline,
            crosswalk,
            out,
            schemas,
            tenant: _,
            assessment,
        } => crate::oscal_export::export(
            &crate::oscal_export::ExportArgs {
                model,
                framework,
                baseline,
                crosswalk,
                assessment,
            },
            &out,
            schemas.as_deref(),
            format,
        ),
    }
}

fn validate_file(file: &Path, schemas: Option<&Path>, format: Format) -> Result<(), Failure> {
    let bytes = read(file)?;
    let set = schemas
        .map(|dir| {
            SchemaSet::open(dir).map_err(|e| {
                Failure::Usage(format!(
                    "--schemas: {e}; pass the directory holding oscal_<model>_schema.json"
                ))
            })
        })
        .transpose()?;
    let report = validate::validate(&bytes, set.as_ref())
        .map_err(|e| Failure::Usage(format!("--schemas: {e}")))?;
    match format {
        Format::Json => output::print(format, &report, &[], Vec::new()),
        Format::Table => {
            for issue in &report.issues {
                println!("{issue}");
            }
            let model = report
                .model
                .map_or_else(|| "unknown model".to_owned(), |m| m.to_string());
            let version = report.oscal_version.as_deref().unwrap_or("?");
            let verdict = if report.is_valid() {
                "valid"
            } else {
                "INVALID"
            };
            println!(
                "{}: {verdict} ({model}, OSCAL {version}, {} finding(s))",
                file.display(),
                report.issues.len()
            );
        }
    }
    if report.schema == SchemaLayer::Skipped {
        eprintln!(
            "note: JSON Schema layer skipped (only Probity's structure, uniqueness and reference checks ran); pass --schemas DIR or set PROBITY_OSCAL_SCHEMAS to the OSCAL per-model schema directory"
        );
    }
    if report.is_valid() {
        Ok(())
    } else {
        Err(Failure::Invalid(format!(
            "{} is not a valid OSCAL document ({} finding(s))",
            file.display(),
            report.issues.len()
        )))
    }
}

fn resolve_profile(
    profile: &Path,
    catalogs: &[String],
    out: &Path,
    format: Format,
) -> Result<(), Failure> {
    let mut sources = Sources::new();
    for mapping in catalogs {
        let Some((href, file)) = mapping.rsplit_once('=') else {
            return Err(Failure::Usage(format!(
                "--catalog {mapping}: expected HREF=FILE, e.g. --catalog 'https://example.org/catalog.json=./catalog.json'"
            )));
        };
        sources.insert(href, file);
    }
    let stamp = Stamp::fresh(crate::wiring::system_clock().now());
    let resolution = resolve::resolve_file(profile, &sources, &stamp)
        .map_err(|e| Failure::Usage(format!("cannot resolve {}: {e}", profile.display())))?;
    let document = probity_oscal::Document::Catalog(Box::new(resolution.catalog));
    let text = document
        .to_json_pretty()
        .map_err(|e| Failure::Usage(format!("cannot serialize the resolved catalog: {e}")))?;
    std::fs::write(out, text)
        .map_err(|e| Failure::Usage(format!("--out: cannot write {}: {e}", out.display())))?;
    let report = &resolution.report;
    let counts = match &document {
        probity_oscal::Document::Catalog(c) => c.counts(),
        _ => return Ok(()),
    };
    match format {
        Format::Json => output::print(
            format,
            &serde_json::json!({ "out": out.display().to_string(), "counts": counts, "report": report }),
            &[],
            Vec::new(),
        ),
        Format::Table => {
            println!(
                "resolved {} -> {}: {} selected controls ({} in the catalog, {} kept as parents)",
                profile.display(),
                out.display(),
                report.selected,
                counts.controls,
                report.structural_parents.len()
            );
            for (what, list) in [
                ("ids not in the imported catalog", &report.missing_ids),
                ("parameters not found", &report.unknown_params),
                ("alter targets not found", &report.unmatched_alters),
            ] {
                if !list.is_empty() {
                    println!("{what}: {}", list.len());
                }
            }
        }
    }
    Ok(())
}

fn info(file: &Path, format: Format) -> Result<(), Failure> {
    let bytes = read(file)?;
    let value = parse::parse_json(&bytes).map_err(|i| Failure::Invalid(i.to_string()))?;
    let document = parse::parse_document(&value).map_err(|issues| {
        for issue in &issues {
            println!("{issue}");
        }
        Failure::Invalid(format!("{} does not parse as OSCAL", file.display()))
    })?;
    let meta = document.metadata();
    let mut rows = vec![
        vec!["model".to_owned(), document.model().to_string()],
        vec!["oscal-version".to_owned(), meta.oscal_version.clone()],
        vec!["title".to_owned(), meta.title.clone()],
        vec!["version".to_owned(), meta.version.clone()],
    ];
    rows.extend(
        document
            .counts()
            .into_iter()
            .map(|(name, n)| vec![name.to_owned(), n.to_string()]),
    );
    let json: serde_json::Map<String, serde_json::Value> = rows
        .iter()
        .filter_map(|r| match r.as_slice() {
            [k, v] => Some((k.clone(), serde_json::Value::String(v.clone()))),
            _ => None,
        })
        .collect();
    output::print(format, &json, &["field", "value"], rows);
    Ok(())
}

/// Whether the command uses the local store.
pub fn needs_store(command: &OscalCommand) -> bool {
    matches!(
        command,
        OscalCommand::Import { .. }
            | OscalCommand::Imports { .. }
            | OscalCommand::Export {
                tenant: Some(_),
                ..
            }
    )
}

/// `probity oscal import|imports` over the local store.
pub async fn run_local(
    command: OscalCommand,
    format: Format,
    s: &crate::wiring::Services,
) -> anyhow::Result<()> {
    let catalog = probity_core::catalog::Catalog::shipped()?;
    let service = probity_core::catalog::CatalogService::new(
        s.store.clone(),
        s.platform.clock().clone(),
        catalog,
    );
    match command {
        OscalCommand::Import {
            file,
            tenant,
            catalog,
        } => {
            let bytes = read(&file)?;
            let base = match catalog {
                Some(id) => Some(id.parse().map_err(|_| {
                    probity_core::DomainError::invalid(
                        "catalog",
                        format!("{id:?} is not an import id; see `probity oscal imports --tenant {tenant}`"),
                    )
                })?),
                None => None,
            };
            let who =
                probity_core::platform::Principal::system(s.platform.tenant(&tenant).await?, "cli");
            match service.import(&who, &bytes, base).await {
                Ok(summary) => {
                    if format == Format::Table {
                        println!(
                            "imported {} as import:{} ({}, {} item(s))",
                            file.display(),
                            summary.id,
                            summary.model,
                            summary.items
                        );
                    } else {
                        output::print(format, &summary, &[], Vec::new());
                    }
                    Ok(())
                }
                Err(probity_core::DomainError::Validation(errors))
                    if errors.iter().any(|e| e.field.starts_with('/')) =>
                {
                    for e in &errors {
                        println!("{}: {}", e.field, e.message);
                    }
                    Err(Failure::Invalid(format!(
                        "{} was not imported ({} finding(s)); nothing was stored",
                        file.display(),
                        errors.len()
                    ))
                    .into())
                }
                Err(e) => Err(e.into()),
            }
        }
        OscalCommand::Imports { tenant } => {
            let who =
                probity_core::platform::Principal::system(s.platform.tenant(&tenant).await?, "cli");
            let list = service.imports(&who).await?;
            let rows = list
                .iter()
                .map(|i| {
                    vec![
                        format!("import:{}", i.id),
                        i.model.clone(),
                        i.title.clone(),
                        i.version.clone(),
                        i.items.to_string(),
                    ]
                })
                .collect();
            output::print(
                format,
                &list,
                &["id", "model", "title", "version", "items"],
                rows,
            );
            Ok(())
        }
        OscalCommand::Export {
            model,
            framework,
            baseline,
            crosswalk,
            out,
            schemas,
            tenant: Some(tenant),
            assessment,
        } => {
            crate::oscal_export::export_tenant(
                &crate::oscal_export::ExportArgs {
                    model,
                    framework,
                    baseline,
                    crosswalk,
                    assessment,
                },
                &tenant,
                &out,
                schemas.as_deref(),
                format,
                s,
            )
            .await
        }
        other => Ok(run(other, format)?),
    }
}
