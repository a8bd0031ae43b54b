//! Profile resolution: turns a profile into the catalog it describes. Imports are followed
//! through back-matter resources (`#uuid`) and relative hrefs, then selected (include/exclude
//! by id and glob, with child controls), merged (`as-is` keeps the source's groups and nesting,
//! with unselected parents of selected enhancements kept as structure; otherwise flat), and
//! tailored (`set-parameters`, `alters`). Remote catalogs are never fetched: a [`Sources`] map
//! names a local file for any href.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::issue::Issue;
use crate::model::{
    Add, Alter, BackMatter, Catalog, Control, Group, Import, Link, Param, Part, Profile, Prop,
    Remove, SelectControls, SetParameter,
};
use crate::{Document, OSCAL_VERSION, parse};

/// How deep profiles may import profiles before resolution gives up (cycles are caught
/// separately; this bounds pathological chains).
const MAX_DEPTH: usize = 16;

/// Why a profile cannot be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// An import's href names nothing Probity can load.
    #[error("import {href}: {message}")]
    Unresolvable { href: String, message: String },
    /// A loaded file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A loaded file is not a usable catalog or profile.
    #[error("{path} is not a valid OSCAL catalog or profile: {}", .issues.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Source { path: PathBuf, issues: Vec<Issue> },
    /// Profiles import each other in a loop.
    #[error("profiles import each other in a cycle through {path}")]
    Cycle { path: PathBuf },
    /// Imports nest deeper than [`MAX_DEPTH`].
    #[error("imports nest deeper than {MAX_DEPTH} profiles")]
    TooDeep,
}

/// Where imported catalogs and profiles come from: an explicit map from href (as written in the
/// profile or its back-matter rlink, e.g. an `https://` URL or a relative path) to a local
/// file, then relative paths against the importing file's directory.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    map: BTreeMap<String, PathBuf>,
    catalogs: BTreeMap<String, Catalog>,
}

impl Sources {
    /// No mapped hrefs: only relative paths that exist on disk resolve.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads `href` from `file` instead of following it.
    pub fn map(mut self, href: impl Into<String>, file: impl Into<PathBuf>) -> Self {
        self.map.insert(href.into(), file.into());
        self
    }

    /// Serves `href` from a catalog already in memory (exports, tests).
    pub fn with_catalog(mut self, href: impl Into<String>, catalog: Catalog) -> Self {
        self.catalogs.insert(href.into(), catalog);
        self
    }

    /// Adds a mapping in place.
    pub fn insert(&mut self, href: impl Into<String>, file: impl Into<PathBuf>) {
        self.map.insert(href.into(), file.into());
    }

    /// The file for `href`, if any, relative hrefs against `base`.
    fn locate(&self, href: &str, base: Option<&Path>) -> Result<PathBuf, String> {
        if let Some(file) = self.map.get(href) {
            return Ok(file.clone());
        }
        let is_url = href.split_once(':').is_some_and(|(scheme, _)| {
            scheme.len() > 1
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+')
        });
        if is_url {
            return Err(format!(
                "Probity does not fetch remote documents: download it and map the href to the file (CLI: --catalog '{href}=FILE')"
            ));
        }
        let path = base.map_or_else(|| PathBuf::from(href), |b| b.join(href));
        if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "{} does not exist: map the href to a local file (CLI: --catalog '{href}=FILE')",
                path.display()
            ))
        }
    }
}

/// What resolution did beyond the resolved catalog itself, for reports and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResolutionReport {
    /// Files loaded, in order.
    pub sources: Vec<String>,
    /// Controls chosen by the import rules (ids, patterns, child controls, minus exclusions).
    pub selected: usize,
    /// Unselected controls kept only because a selected enhancement nests in them (`as-is`).
    pub structural_parents: Vec<String>,
    /// Ids named by `with-ids` that the imported catalog does not have.
    pub missing_ids: Vec<String>,
    /// Ids selected by more than one import; the first one wins.
    pub duplicates: Vec<String>,
    /// `set-parameters` entries whose parameter is not in the resolved catalog.
    pub unknown_params: Vec<String>,
    /// `alters` targets (`control` or `control#by-id`) not in the resolved catalog.
    pub unmatched_alters: Vec<String>,
    /// `removes` that matched nothing (`control: criteria`).
    pub unmatched_removes: Vec<String>,
}

/// A resolved profile: the catalog and what happened on the way.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// The resolved catalog.
    pub catalog: Catalog,
    /// Counts and anything that did not apply.
    pub report: ResolutionReport,
}

/// Identity of the resolved catalog: a fresh uuid and the time it is made.
#[derive(Debug, Clone)]
pub struct Stamp {
    /// The resolved catalog's uuid.
    pub uuid: String,
    /// RFC 3339 time for `metadata.last-modified`.
    pub last_modified: String,
}

impl Stamp {
    /// A fresh random (v4) uuid at `at`.
    pub fn fresh(at: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            uuid: uuid::Uuid::new_v4().to_string(),
            last_modified: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

/// Resolves the profile stored at `path`.
pub fn resolve_file(
    path: &Path,
    sources: &Sources,
    stamp: &Stamp,
) -> Result<Resolution, ResolveError> {
    let mut report = ResolutionReport::default();
    let catalog = match load(path, &mut report)? {
        Loaded::Catalog(c) => c,
        Loaded::Profile(profile) => resolve_loaded(
            &profile,
            path.parent(),
            sources,
            stamp,
            &mut Vec::new(),
            &mut report,
        )?,
    };
    Ok(Resolution { catalog, report })
}

/// Resolves a profile already in memory; relative hrefs are taken against `base`.
pub fn resolve(
    profile: &Profile,
    base: Option<&Path>,
    sources: &Sources,
    stamp: &Stamp,
) -> Result<Resolution, ResolveError> {
    let mut report = ResolutionReport::default();
    let catalog = resolve_loaded(profile, base, sources, stamp, &mut Vec::new(), &mut report)?;
    Ok(Resolution { catalog, report })
}

enum Loaded {
    Catalog(Catalog),
    Profile(Profile),
}

fn load(path: &Path, report: &mut ResolutionReport) -> Result<Loaded, ResolveError> {
    let bytes = std::fs::read(path).map_err(|source| ResolveError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    report.sources.push(path.display().to_string());
    let source_error = |issues| ResolveError::Source {
        path: path.to_path_buf(),
        issues,
    };
    let value = parse::parse_json(&bytes).map_err(|i| source_error(vec![i]))?;
    match parse::parse_document(&value).map_err(source_error)? {
        Document::Catalog(c) => Ok(Loaded::Catalog(*c)),
        Document::Profile(p) => Ok(Loaded::Profile(*p)),
        other => Err(source_error(vec![Issue::new(
            crate::Layer::Structure,
            "",
            format!(
                "a profile imports catalogs or profiles, not a {}",
                other.model()
            ),
        )])),
    }
}

/// The catalog an import points at, resolving imported profiles recursively.
fn import_catalog(
    profile: &Profile,
    import: &Import,
    base: Option<&Path>,
    sources: &Sources,
    stack: &mut Vec<PathBuf>,
    report: &mut ResolutionReport,
) -> Result<(PathBuf, Catalog), ResolveError> {
    let candidates: Vec<String> = match import.href.strip_prefix('#') {
        Some(uuid) => {
            let resource = profile
                .back_matter
                .as_ref()
                .and_then(|b| b.resource(uuid))
                .ok_or_else(|| ResolveError::Unresolvable {
                    href: import.href.clone(),
                    message: format!("no back-matter resource has uuid {uuid}"),
                })?;
            // JSON copies first: Probity reads OSCAL JSON only.
            let mut links: Vec<&crate::model::Rlink> = resource.rlinks.iter().collect();
            links.sort_by_key(|l| {
                let json = l.media_type.as_deref().is_some_and(|m| m.contains("json"))
                    || l.href.ends_with(".json");
                !json
            });
            links.into_iter().map(|l| l.href.clone()).collect()
        }
        None => vec![import.href.clone()],
    };
    let mut reasons = Vec::new();
    for href in &candidates {
        if let Some(catalog) = sources.catalogs.get(href) {
            report.sources.push(href.clone());
            return Ok((PathBuf::from(href), catalog.clone()));
        }
        match sources.locate(href, base) {
            Ok(path) => {
                let key = path.canonicalize().unwrap_or_else(|_| path.clone());
                if stack.contains(&key) {
                    return Err(ResolveError::Cycle { path });
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(ResolveError::TooDeep);
                }
                stack.push(key.clone());
                let loaded = load(&path, report);
                let result = match loaded {
                    Ok(Loaded::Catalog(c)) => Ok(c),
                    Ok(Loaded::Profile(p)) => {
                        // An imported profile is resolved in its own directory; its identity
                        // does not matter, only its controls.
                        let inner = Stamp {
                            uuid: p.uuid.clone(),
                            last_modified: p.metadata.last_modified.clone(),
                        };
                        resolve_loaded(&p, path.parent(), sources, &inner, stack, report)
                    }
                    Err(e) => Err(e),
                };
                stack.pop();
                return result.map(|c| (key, c));
            }
            Err(reason) => reasons.push(format!("{href}: {reason}")),
        }
    }
    Err(ResolveError::Unresolvable {
        href: import.href.clone(),
        message: if reasons.is_empty() {
            "the resource has no rlink to follow".to_owned()
        } else {
            reasons.join("; ")
        },
    })
}

/// Parent and children of every control of a catalog, in document order.
struct Tree {
    order: Vec<String>,
    children: HashMap<String, Vec<String>>,
}

impl Tree {
    fn of(catalog: &Catalog) -> Self {
        let mut tree = Tree {
            order: Vec::new(),
            children: HashMap::new(),
        };
        fn controls(tree: &mut Tree, list: &[Control]) {
            for c in list {
                tree.order.push(c.id.clone());
                tree.children.insert(
                    c.id.clone(),
                    c.controls.iter().map(|k| k.id.clone()).collect(),
                );
                controls(tree, &c.controls);
            }
        }
        fn groups(tree: &mut Tree, list: &[Group]) {
            for g in list {
                controls(tree, &g.controls);
                groups(tree, &g.groups);
            }
        }
        controls(&mut tree, &catalog.controls);
        groups(&mut tree, &catalog.groups);
        tree
    }

    fn add_with_descendants(&self, id: &str, out: &mut BTreeSet<String>) {
        out.insert(id.to_owned());
        if let Some(children) = self.children.get(id) {
            for child in children {
                self.add_with_descendants(child, out);
            }
        }
    }

    fn select(&self, rules: &[SelectControls], missing: &mut Vec<String>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for rule in rules {
            let with_children = rule.with_child_controls.as_deref() == Some("yes");
            let add = |id: &str, out: &mut BTreeSet<String>| {
                if with_children {
                    self.add_with_descendants(id, out);
                } else {
                    out.insert(id.to_owned());
                }
            };
            for id in &rule.with_ids {
                if self.children.contains_key(id) {
                    add(id, &mut out);
                } else {
                    missing.push(id.clone());
                }
            }
            for matching in &rule.matching {
                for id in &self.order {
                    if glob(&matching.pattern, id) {
                        add(id, &mut out);
                    }
                }
            }
        }
        out
    }
}

/// `*` matches any run of characters, `?` exactly one; everything else literally.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Classic two-pointer match with backtracking to the last `*`.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

fn resolve_loaded(
    profile: &Profile,
    base: Option<&Path>,
    sources: &Sources,
    stamp: &Stamp,
    stack: &mut Vec<PathBuf>,
    report: &mut ResolutionReport,
) -> Result<Catalog, ResolveError> {
    // Imports of the same source are united before pruning, so a control selected by two
    // imports of one catalog appears once, in its place.
    let mut per_source: Vec<(PathBuf, Catalog, BTreeSet<String>)> = Vec::new();
    let mut import_resources = BTreeSet::new();
    for import in &profile.imports {
        if let Some(uuid) = import.href.strip_prefix('#') {
            import_resources.insert(uuid.to_owned());
        }
        let (key, catalog) = import_catalog(profile, import, base, sources, stack, report)?;
        let tree = Tree::of(&catalog);
        let mut selected = if import.include_all.is_some() {
            tree.order.iter().cloned().collect()
        } else {
            tree.select(&import.include_controls, &mut report.missing_ids)
        };
        let excluded = tree.select(&import.exclude_controls, &mut Vec::new());
        selected.retain(|id| !excluded.contains(id));
        match per_source.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, _, set)) => set.extend(selected),
            None => per_source.push((key, catalog, selected)),
        }
    }

    let merge = profile.merge.clone().unwrap_or_default();
    let as_is = merge.as_is == Some(true) || merge.custom.is_some();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut out = Catalog {
        uuid: stamp.uuid.clone(),
        metadata: profile.metadata.clone(),
        params: Vec::new(),
        controls: Vec::new(),
        groups: Vec::new(),
        back_matter: None,
    };
    let mut resources = Vec::new();
    for (_, catalog, mut selected) in per_source {
        let dupes: Vec<String> = selected.intersection(&seen).cloned().collect();
        for id in &dupes {
            selected.remove(id);
        }
        report.duplicates.extend(dupes);
        report.selected += selected.len();
        seen.extend(selected.iter().cloned());
        out.params.extend(catalog.params.iter().cloned());
        if as_is {
            out.controls
                .extend(prune_controls(&catalog.controls, &selected, report));
            out.groups
                .extend(prune_groups(&catalog.groups, &selected, report));
        } else {
            let mut flat = Vec::new();
            flatten(&catalog.controls, &selected, &mut flat);
            flatten_groups(&catalog.groups, &selected, &mut flat);
            out.controls.extend(flat);
        }
        if let Some(back) = catalog.back_matter {
            resources.extend(back.resources);
        }
    }
    if let Some(back) = &profile.back_matter {
        resources.extend(
            back.resources
                .iter()
                .filter(|r| !import_resources.contains(&r.uuid))
                .cloned(),
        );
    }
    let mut resource_ids = BTreeSet::new();
    resources.retain(|r| resource_ids.insert(r.uuid.clone()));
    if !resources.is_empty() {
        out.back_matter = Some(BackMatter {
            resources,
            extra: Default::default(),
        });
    }

    if let Some(modify) = &profile.modify {
        for set in &modify.set_parameters {
            if !set_parameter(&mut out, set) {
                report.unknown_params.push(set.param_id.clone());
            }
        }
        for alter in &modify.alters {
            apply_alter(&mut out, alter, report);
        }
    }

    out.metadata.oscal_version = OSCAL_VERSION.to_owned();
    out.metadata.last_modified = stamp.last_modified.clone();
    out.metadata.links.push(Link {
        href: format!("urn:uuid:{}", profile.uuid),
        rel: Some("source-profile".to_owned()),
        media_type: None,
        resource_fragment: None,
        text: None,
    });
    Ok(out)
}

fn prune_controls(
    controls: &[Control],
    selected: &BTreeSet<String>,
    report: &mut ResolutionReport,
) -> Vec<Control> {
    let mut out = Vec::new();
    for c in controls {
        let children = prune_controls(&c.controls, selected, report);
        let keep = selected.contains(&c.id);
        if keep || !children.is_empty() {
            if !keep {
                report.structural_parents.push(c.id.clone());
            }
            let mut kept = c.clone();
            kept.controls = children;
            out.push(kept);
        }
    }
    out
}

fn prune_groups(
    groups: &[Group],
    selected: &BTreeSet<String>,
    report: &mut ResolutionReport,
) -> Vec<Group> {
    let mut out = Vec::new();
    for g in groups {
        let controls = prune_controls(&g.controls, selected, report);
        let subgroups = prune_groups(&g.groups, selected, report);
        if !controls.is_empty() || !subgroups.is_empty() {
            let mut kept = g.clone();
            kept.controls = controls;
            kept.groups = subgroups;
            out.push(kept);
        }
    }
    out
}

fn flatten(controls: &[Control], selected: &BTreeSet<String>, out: &mut Vec<Control>) {
    for c in controls {
        if selected.contains(&c.id) {
            let mut kept = c.clone();
            kept.controls = Vec::new();
            out.push(kept);
        }
        flatten(&c.controls, selected, out);
    }
}

fn flatten_groups(groups: &[Group], selected: &BTreeSet<String>, out: &mut Vec<Control>) {
    for g in groups {
        flatten(&g.controls, selected, out);
        flatten_groups(&g.groups, selected, out);
    }
}

/// Every parameter of the catalog, at any level, mutably.
fn params_mut(catalog: &mut Catalog) -> Vec<&mut Param> {
    fn from_controls<'a>(controls: &'a mut [Control], out: &mut Vec<&'a mut Param>) {
        for c in controls {
            out.extend(c.params.iter_mut());
            from_controls(&mut c.controls, out);
        }
    }
    fn from_groups<'a>(groups: &'a mut [Group], out: &mut Vec<&'a mut Param>) {
        for g in groups {
            out.extend(g.params.iter_mut());
            from_controls(&mut g.controls, out);
            from_groups(&mut g.groups, out);
        }
    }
    let mut out: Vec<&mut Param> = catalog.params.iter_mut().collect();
    from_controls(&mut catalog.controls, &mut out);
    from_groups(&mut catalog.groups, &mut out);
    out
}

/// Applies one `set-parameter`: scalar fields replace, props/links/constraints/guidelines are
/// added, and values and a selection replace each other.
fn set_parameter(catalog: &mut Catalog, set: &SetParameter) -> bool {
    let Some(param) = params_mut(catalog)
        .into_iter()
        .find(|p| p.id == set.param_id)
    else {
        return false;
    };
    if set.class.is_some() {
        param.class.clone_from(&set.class);
    }
    if set.depends_on.is_some() {
        param.depends_on.clone_from(&set.depends_on);
    }
    if set.label.is_some() {
        param.label.clone_from(&set.label);
    }
    if set.usage.is_some() {
        param.usage.clone_from(&set.usage);
    }
    param.props.extend(set.props.iter().cloned());
    param.links.extend(set.links.iter().cloned());
    param.constraints.extend(set.constraints.iter().cloned());
    param.guidelines.extend(set.guidelines.iter().cloned());
    if !set.values.is_empty() {
        param.values.clone_from(&set.values);
        param.select = None;
    }
    if set.select.is_some() {
        param.select.clone_from(&set.select);
        param.values.clear();
    }
    true
}

fn control_mut<'a>(catalog: &'a mut Catalog, id: &str) -> Option<&'a mut Control> {
    fn in_controls<'a>(controls: &'a mut [Control], id: &str) -> Option<&'a mut Control> {
        for c in controls {
            if c.id == id {
                return Some(c);
            }
            if let Some(found) = in_controls(&mut c.controls, id) {
                return Some(found);
            }
        }
        None
    }
    fn in_groups<'a>(groups: &'a mut [Group], id: &str) -> Option<&'a mut Control> {
        for g in groups {
            if let Some(found) = in_controls(&mut g.controls, id) {
                return Some(found);
            }
            if let Some(found) = in_groups(&mut g.groups, id) {
                return Some(found);
            }
        }
        None
    }
    if let Some(found) = in_controls(&mut catalog.controls, id) {
        return Some(found);
    }
    in_groups(&mut catalog.groups, id)
}

fn apply_alter(catalog: &mut Catalog, alter: &Alter, report: &mut ResolutionReport) {
    let Some(control) = control_mut(catalog, &alter.control_id) else {
        report.unmatched_alters.push(alter.control_id.clone());
        return;
    };
    for remove in &alter.removes {
        if remove_from_control(control, remove) == 0 {
            report
                .unmatched_removes
                .push(format!("{}: {remove:?}", alter.control_id));
        }
    }
    for add in &alter.adds {
        if !add_to_control(control, add) {
            report.unmatched_alters.push(format!(
                "{}#{}",
                alter.control_id,
                add.by_id.as_deref().unwrap_or_default()
            ));
        }
    }
}

fn matches_remove(
    remove: &Remove,
    item: &str,
    name: Option<&str>,
    class: Option<&str>,
    id: Option<&str>,
    ns: Option<&str>,
) -> bool {
    let given = [
        remove.by_name.is_some(),
        remove.by_class.is_some(),
        remove.by_id.is_some(),
        remove.by_item_name.is_some(),
        remove.by_ns.is_some(),
    ];
    if !given.contains(&true) {
        return false;
    }
    let ok =
        |want: &Option<String>, have: Option<&str>| want.as_deref().is_none_or(|w| have == Some(w));
    ok(&remove.by_name, name)
        && ok(&remove.by_class, class)
        && ok(&remove.by_id, id)
        && ok(&remove.by_ns, ns)
        && remove.by_item_name.as_deref().is_none_or(|w| w == item)
}

fn remove_props(props: &mut Vec<Prop>, remove: &Remove) -> usize {
    let before = props.len();
    props.retain(|p| {
        !matches_remove(
            remove,
            "prop",
            Some(&p.name),
            p.class.as_deref(),
            p.uuid.as_deref(),
            p.ns.as_deref(),
        )
    });
    before - props.len()
}

fn remove_links(links: &mut Vec<Link>, remove: &Remove) -> usize {
    let before = links.len();
    links.retain(|l| !matches_remove(remove, "link", l.rel.as_deref(), None, None, None));
    before - links.len()
}

fn remove_parts(parts: &mut Vec<Part>, remove: &Remove) -> usize {
    let before = parts.len();
    parts.retain(|p| {
        !matches_remove(
            remove,
            "part",
            Some(&p.name),
            p.class.as_deref(),
            p.id.as_deref(),
            p.ns.as_deref(),
        )
    });
    let mut removed = before - parts.len();
    for part in parts.iter_mut() {
        removed += remove_props(&mut part.props, remove);
        removed += remove_links(&mut part.links, remove);
        removed += remove_parts(&mut part.parts, remove);
    }
    removed
}

/// Removes matching items from the control and its parts (not from child controls, which are
/// controls of their own). Returns how many went.
fn remove_from_control(control: &mut Control, remove: &Remove) -> usize {
    let params_before = control.params.len();
    control
        .params
        .retain(|p| !matches_remove(remove, "param", None, p.class.as_deref(), Some(&p.id), None));
    params_before - control.params.len()
        + remove_props(&mut control.props, remove)
        + remove_links(&mut control.links, remove)
        + remove_parts(&mut control.parts, remove)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Position {
    Before,
    After,
    Starting,
    Ending,
}

fn position(add: &Add) -> Position {
    match add.position.as_deref() {
        Some("before") => Position::Before,
        Some("after") => Position::After,
        Some("starting") => Position::Starting,
        _ => Position::Ending,
    }
}

fn put<T: Clone>(list: &mut Vec<T>, items: &[T], at_start: bool) {
    if at_start {
        list.splice(0..0, items.iter().cloned());
    } else {
        list.extend(items.iter().cloned());
    }
}

/// Adds to the control itself (no `by-id`, or its own id) or next to / inside one of its
/// parts. `before`/`after` on the control itself mean `starting`/`ending`.
fn add_to_control(control: &mut Control, add: &Add) -> bool {
    let pos = position(add);
    let at_start = matches!(pos, Position::Before | Position::Starting);
    match add.by_id.as_deref() {
        None => {}
        Some(id) if id == control.id => {}
        Some(id) => {
            let found = add_near_part(
                &mut control.parts,
                &mut control.props,
                &mut control.links,
                id,
                add,
                pos,
            );
            // Parameters belong to the control whichever part the addition targets.
            if found {
                put(&mut control.params, &add.params, at_start);
            }
            return found;
        }
    }
    if let Some(title) = &add.title {
        control.title.clone_from(title);
    }
    put(&mut control.params, &add.params, at_start);
    put(&mut control.props, &add.props, at_start);
    put(&mut control.links, &add.links, at_start);
    put(&mut control.parts, &add.parts, at_start);
    true
}

fn add_near_part(
    parts: &mut Vec<Part>,
    props: &mut Vec<Prop>,
    links: &mut Vec<Link>,
    id: &str,
    add: &Add,
    pos: Position,
) -> bool {
    if let Some(index) = parts.iter().position(|p| p.id.as_deref() == Some(id)) {
        match pos {
            Position::Before | Position::After => {
                let at = if pos == Position::Before {
                    index
                } else {
                    index + 1
                };
                parts.splice(at..at, add.parts.iter().cloned());
                put(props, &add.props, pos == Position::Before);
                put(links, &add.links, pos == Position::Before);
            }
            Position::Starting | Position::Ending => {
                if let Some(part) = parts.get_mut(index) {
                    let at_start = pos == Position::Starting;
                    if let Some(title) = &add.title {
                        part.title = Some(title.clone());
                    }
                    put(&mut part.props, &add.props, at_start);
                    put(&mut part.links, &add.links, at_start);
                    put(&mut part.parts, &add.parts, at_start);
                }
            }
        }
        return true;
    }
    for part in parts.iter_mut() {
        if add_near_part(
            &mut part.parts,
            &mut part.props,
            &mut part.links,
            id,
            add,
            pos,
        ) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn glob_matches_like_a_shell() {
        assert!(glob("ac-*", "ac-2.1"));
        assert!(glob("ac-?", "ac-2"));
        assert!(!glob("ac-?", "ac-12"));
        assert!(glob("*", ""));
        assert!(glob("a*c*e", "abcde"));
        assert!(!glob("a*c*e", "abcd"));
        assert!(!glob("au-*", "ac-2"));
    }
}
