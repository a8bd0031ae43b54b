//! `probity oscal export`: the shipped catalog as OSCAL 1.2.3 — a framework (or the unified
//! control library) as a catalog, a baseline as its resolved profile catalog, and mappings
//! (unified controls onto a framework, or a crosswalk) as a mapping collection. Every document
//! is validated before it is written; an invalid one is not written.

use std::collections::HashMap;
use std::path::Path;

use probity_core::catalog::{Catalog, Framework, LinkKind, Relationship, Requirement};
use probity_oscal::export::{self, ControlInput, DocumentInfo, GroupInput, MapInput};
use probity_oscal::schema::SchemaSet;
use probity_oscal::validate;
use probity_oscal::{Document, Model};

use crate::oscal_cli::Failure;
use crate::output::{self, Format};

/// The pseudo-framework id naming the unified control library.
pub const LIBRARY: &str = "probity-controls";

pub use probity_oscal::export::token;

fn input(r: &Requirement, children: &HashMap<&str, Vec<&Requirement>>) -> ControlInput {
    let id = token(&r.id);
    ControlInput {
        label: (id != r.id).then(|| r.id.clone()),
        id,
        title: r.title.clone(),
        statement: r.summary.clone(),
        withdrawn: r.withdrawn,
        enhancements: children
            .get(r.id.as_str())
            .into_iter()
            .flatten()
            .map(|c| input(c, children))
            .collect(),
    }
}

/// A framework's tree as OSCAL groups: each root becomes a group holding its children as
/// controls (nested to any depth); a root without children becomes a group of itself.
pub fn groups(fw: &Framework) -> Vec<GroupInput> {
    let mut children: HashMap<&str, Vec<&Requirement>> = HashMap::new();
    for r in &fw.requirements {
        if let Some(p) = &r.parent {
            children.entry(p.as_str()).or_default().push(r);
        }
    }
    fw.requirements
        .iter()
        .filter(|r| r.parent.is_none())
        .map(|r| {
            let kids = children.get(r.id.as_str()).cloned().unwrap_or_default();
            GroupInput {
                id: format!("g-{}", token(&r.id)),
                title: r.title.clone(),
                controls: if kids.is_empty() {
                    vec![input(r, &children)]
                } else {
                    kids.iter().map(|c| input(c, &children)).collect()
                },
            }
        })
        .collect()
}

fn library_groups(cat: &Catalog) -> Vec<GroupInput> {
    cat.families()
        .iter()
        .map(|f| GroupInput {
            id: token(&f.id),
            title: f.title.clone(),
            controls: cat
                .controls()
                .iter()
                .filter(|c| c.family == f.id)
                .map(|c| ControlInput {
                    id: token(&c.id),
                    title: c.title.clone(),
                    statement: Some(c.summary.clone()),
                    label: Some(c.id.clone()),
                    ..ControlInput::default()
                })
                .collect(),
        })
        .collect()
}

fn relationship(r: Relationship) -> export::Relationship {
    match r {
        Relationship::Equal => export::Relationship::Equal,
        Relationship::SubsetOf => export::Relationship::SubsetOf,
        Relationship::SupersetOf => export::Relationship::SupersetOf,
        Relationship::IntersectsWith => export::Relationship::IntersectsWith,
        Relationship::NoRelationship => export::Relationship::NoRelationship,
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

fn framework<'a>(cat: &'a Catalog, flag: &str, id: &str) -> Result<&'a Framework, Failure> {
    cat.framework(id).ok_or_else(|| {
        let known: Vec<&str> = cat.frameworks().map(|f| f.info.id.as_str()).collect();
        usage(format!(
            "{flag} {id:?} is not a shipped framework; use one of {}",
            known.join(", ")
        ))
    })
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportArgs {
    /// catalog, profile, mapping (or a model that needs assessments).
    pub model: String,
    /// Framework id (catalog, mapping of the unified controls).
    pub framework: Option<String>,
    /// Baseline id (profile).
    pub baseline: Option<String>,
    /// `FROM:TO` (mapping of a crosswalk).
    pub crosswalk: Option<String>,
    /// An assessment version's id (ap, ar, poam).
    pub assessment: Option<String>,
}

/// Builds, validates and writes the document.
pub fn export(
    args: &ExportArgs,
    out: &Path,
    schemas: Option<&Path>,
    format: Format,
) -> Result<(), Failure> {
    let document = build(args)?;
    write(&document, out, schemas, format)
}

fn build(args: &ExportArgs) -> Result<Document, Failure> {
    let cat = Catalog::shipped().map_err(|e| usage(e.to_string()))?;
    let at = crate::wiring::system_clock().now();
    let info = |title: String| DocumentInfo {
        title,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        at,
    };
    let document = match args.model.as_str() {
        "catalog" => {
            let id = args.framework.as_deref().ok_or_else(|| {
                usage("--model catalog needs --framework ID (or probity-controls)")
            })?;
            if id == LIBRARY {
                Document::Catalog(Box::new(export::catalog(
                    &info("Probity unified control library".into()),
                    &library_groups(cat),
                )))
            } else {
                let fw = framework(cat, "--framework", id)?;
                let title = format!(
                    "{} {} (Probity catalog: identifiers and short titles)",
                    fw.info.name, fw.info.version
                );
                Document::Catalog(Box::new(export::catalog(&info(title), &groups(fw))))
            }
        }
        "profile" => {
            let id = args
                .baseline
                .as_deref()
                .ok_or_else(|| usage("--model profile needs --baseline ID"))?;
            let b = cat.baseline(id).ok_or_else(|| {
                let known: Vec<&str> = cat.baselines().iter().map(|b| b.id.as_str()).collect();
                usage(format!(
                    "--baseline {id:?} is not shipped; use one of {}",
                    known.join(", ")
                ))
            })?;
            let fw = framework(cat, "--baseline's framework", &b.framework)?;
            let source = export::catalog(&info(fw.info.name.clone()), &groups(fw));
            let ids: Vec<String> = b.requirements.iter().map(|r| token(r)).collect();
            let resolution = export::resolved_profile_catalog(&info(b.name.clone()), &source, &ids)
                .map_err(|e| usage(format!("cannot resolve {id}: {e}")))?;
            Document::Catalog(Box::new(resolution.catalog))
        }
        "mapping" => {
            let (source, target, description, maps) = match (&args.crosswalk, &args.framework) {
                (Some(pair), None) => {
                    let (from, to) = pair.split_once(':').ok_or_else(|| {
                        usage("--crosswalk takes FROM:TO, e.g. iso27001-2013:iso27001-2022")
                    })?;
                    framework(cat, "--crosswalk", from)?;
                    framework(cat, "--crosswalk", to)?;
                    let maps: Vec<MapInput> = cat
                        .links()
                        .iter()
                        .filter(|l| {
                            l.kind == LinkKind::Crosswalk
                                && l.from_framework.as_deref() == Some(from)
                                && l.to_framework == to
                        })
                        .map(|l| MapInput {
                            source_id: token(&l.from),
                            target_id: token(&l.to),
                            relationship: relationship(l.relationship),
                            rationale: Some(l.rationale.clone()),
                        })
                        .collect();
                    if maps.is_empty() {
                        return Err(usage(format!(
                            "no crosswalk from {from} to {to} is shipped"
                        )));
                    }
                    (
                        from.to_owned(),
                        to.to_owned(),
                        format!("Probity crosswalk from {from} to {to}"),
                        maps,
                    )
                }
                (None, Some(id)) => {
                    framework(cat, "--framework", id)?;
                    let maps = cat
                        .links()
                        .iter()
                        .filter(|l| l.kind == LinkKind::Mapping && l.to_framework == *id)
                        .map(|l| MapInput {
                            source_id: token(&l.from),
                            target_id: token(&l.to),
                            relationship: relationship(l.relationship),
                            rationale: Some(l.rationale.clone()),
                        })
                        .collect();
                    (
                        LIBRARY.to_owned(),
                        id.clone(),
                        format!("Probity unified controls mapped onto {id}"),
                        maps,
                    )
                }
                _ => {
                    return Err(usage(
                        "--model mapping needs either --framework ID or --crosswalk FROM:TO",
                    ));
                }
            };
            Document::MappingCollection(Box::new(export::mapping_collection(
                &info(description.clone()),
                &format!("{source}.json"),
                &format!("{target}.json"),
                &description,
                &maps,
            )))
        }
        "ssp" | "component" => {
            return Err(usage(format!(
                "--model {}: describes a tenant's controls; add --tenant SLUG",
                args.model
            )));
        }
        "ap" | "ar" | "poam" => {
            return Err(usage(format!(
                "--model {}: exports an assessment; add --tenant SLUG --assessment ID (see `probity assurance assessments`)",
                args.model
            )));
        }
        other => {
            return Err(usage(format!(
                "--model {other:?}: use catalog, profile, mapping, component, ssp, ap, ar or poam"
            )));
        }
    };
    Ok(document)
}

/// Validates `document` (with the JSON Schemas when `schemas` is given) and writes it; an
/// invalid document is not written.
pub fn write(
    document: &Document,
    out: &Path,
    schemas: Option<&Path>,
    format: Format,
) -> Result<(), Failure> {
    let value = document
        .to_value()
        .map_err(|e| usage(format!("cannot serialize: {e}")))?;
    let set = schemas
        .map(|dir| SchemaSet::open(dir).map_err(|e| usage(format!("--schemas: {e}"))))
        .transpose()?;
    let report = validate::validate_value(&value, set.as_ref())
        .map_err(|e| usage(format!("--schemas: {e}")))?;
    if !report.is_valid() {
        for issue in &report.issues {
            eprintln!("{issue}");
        }
        return Err(Failure::Invalid(format!(
            "the exported {} did not validate; nothing written",
            document.model()
        )));
    }
    let text = document
        .to_json_pretty()
        .map_err(|e| usage(format!("cannot serialize: {e}")))?;
    std::fs::write(out, text)
        .map_err(|e| usage(format!("--out: cannot write {}: {e}", out.display())))?;
    let counts = document.counts();
    let schema_note = if set.is_some() {
        "with the OSCAL JSON Schema"
    } else {
        "without a schema directory"
    };
    let model: Model = document.model();
    let rows = counts
        .iter()
        .map(|(k, n)| vec![(*k).to_owned(), n.to_string()])
        .collect();
    if format == Format::Table {
        println!("wrote {} ({model}, valid {schema_note})", out.display());
    }
    output::print(
        format,
        &serde_json::json!({ "out": out.display().to_string(), "model": model.to_string(), "counts": counts.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect::<HashMap<_, _>>() }),
        &["count", "value"],
        rows,
    );
    Ok(())
}

/// A tenant's controls as OSCAL: `component` (one component per control family, implementing
/// the tenant's implemented and partly implemented unified controls) or `ssp` (a system
/// security plan for `--baseline`, each requirement the tenant's controls cover with the
/// reasons as its implementation statement).
pub async fn export_tenant(
    args: &ExportArgs,
    tenant: &str,
    out: &Path,
    schemas: Option<&Path>,
    format: Format,
    s: &crate::wiring::Services,
) -> anyhow::Result<()> {
    use probity_core::catalog::{CatalogService, Coverage, ImplementationStatus};
    let cat = Catalog::shipped()?;
    let service = CatalogService::new(s.store.clone(), s.platform.clock().clone(), cat);
    let tenant = s.platform.tenant(tenant).await?;
    let who = probity_core::platform::Principal::system(tenant.clone(), "cli");
    let info = |title: String| DocumentInfo {
        title,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        at: crate::wiring::system_clock().now(),
    };
    let document = match args.model.as_str() {
        "component" => {
            let controls = service.controls(&who, None, None).await?;
            let components: Vec<export::ComponentInput> = cat
                .families()
                .iter()
                .filter_map(|f| {
                    let implemented: Vec<(String, String)> = controls
                        .iter()
                        .filter(|c| c.control.family == f.id)
                        .filter(|c| {
                            matches!(
                                c.status,
                                ImplementationStatus::Implemented
                                    | ImplementationStatus::PartiallyImplemented
                            )
                        })
                        .map(|c| {
                            let how = c
                                .state
                                .as_ref()
                                .and_then(|s| s.note.clone())
                                .unwrap_or_else(|| c.control.summary.clone());
                            (
                                token(&c.control.id),
                                format!("{} ({})", how, c.status.as_str().replace('_', " ")),
                            )
                        })
                        .collect();
                    (!implemented.is_empty()).then(|| export::ComponentInput {
                        title: format!("{} — {}", tenant.name, f.title),
                        kind: "policy".to_owned(),
                        description: format!(
                            "{}'s {} controls, as recorded in Probity.",
                            tenant.name,
                            f.title.to_lowercase()
                        ),
                        source: format!("{LIBRARY}.json"),
                        controls: implemented,
                    })
                })
                .collect();
            if components.is_empty() {
                return Err(usage(format!("{} has no implemented controls to describe; set some with `probity controls set`", tenant.slug)).into());
            }
            Document::ComponentDefinition(Box::new(export::component_definition(
                &info(format!("{} unified controls", tenant.name)),
                &components,
            )))
        }
        "ssp" => {
            let id = args.baseline.as_deref().ok_or_else(|| {
                usage("--model ssp needs --baseline ID (the profile the system implements)")
            })?;
            let report = service.coverage(&who, id).await?;
            let impact = ["low", "high"]
                .into_iter()
                .find(|l| id.ends_with(l))
                .unwrap_or("moderate");
            let controls = report
                .requirements
                .iter()
                .filter(|r| matches!(r.coverage, Coverage::Covered | Coverage::Partial))
                .map(|r| {
                    let because: Vec<&str> = r
                        .reasons
                        .iter()
                        .filter(|x| x.effect != Coverage::NotCovered)
                        .map(|x| x.explanation.as_str())
                        .collect();
                    (
                        token(&r.requirement),
                        format!("{}: {}", r.coverage.label(), because.join("; ")),
                    )
                })
                .collect();
            Document::SystemSecurityPlan(Box::new(export::system_security_plan(
                &info(format!("{} system security plan ({id})", tenant.name)),
                &export::SspInput {
                    profile_href: format!("{id}.json"),
                    system_name: tenant.name.clone(),
                    system_id: tenant.slug.to_string(),
                    description: format!(
                        "{} as recorded in Probity; implementation statements come from its unified controls.",
                        tenant.name
                    ),
                    impact: impact.to_owned(),
                    components: Vec::new(),
                    controls,
                },
            )))
        }
        "ap" | "ar" | "poam" => {
            let id = args
                .assessment
                .as_deref()
                .ok_or_else(|| usage(format!("--model {} needs --assessment ID", args.model)))?
                .parse()
                .map_err(|_| usage("--assessment: not an assessment id (a UUID)"))?;
            let model = match args.model.as_str() {
                "ap" => "assessment-plan",
                "ar" => "assessment-results",
                _ => "poam",
            };
            let assurance = probity_core::assurance::AssuranceService::new(
                s.store.clone(),
                s.platform.clock().clone(),
                std::sync::Arc::clone(s.platform.keys()),
            );
            let value = assurance.assessment_oscal(&who, id, model).await?;
            probity_oscal::import(&serde_json::to_vec(&value)?).map_err(|e| {
                anyhow::anyhow!("internal: the exported {model} does not read back: {e:?}")
            })?
        }
        _ => build(args)?,
    };
    Ok(write(&document, out, schemas, format)?)
}
