//! The OSCAL profile model: imports with control selection, merge directives and
//! modifications (set-parameters, alters). Resolution lives in [`crate::resolve`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::catalog::{Param, Part};
use super::common::{BackMatter, Extra, Link, Metadata, Prop};

/// `profile`: a selection and tailoring of controls from catalogs or other profiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Profile {
    pub uuid: String,
    pub metadata: Metadata,
    pub imports: Vec<Import>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<Merge>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modify: Option<Modify>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_matter: Option<BackMatter>,
}

/// One import: a catalog or profile (`href`, often `#uuid` of a back-matter resource) and
/// which of its controls to take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Import {
    pub href: String,
    /// Present (as an empty object) when every control is taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_all: Option<Extra>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_controls: Vec<SelectControls>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_controls: Vec<SelectControls>,
}

/// A control selection: ids and/or glob patterns, optionally with their child controls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SelectControls {
    /// `yes` takes the descendants of each matched control too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_child_controls: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matching: Vec<Matching>,
}

/// A glob over control ids (`*` any run, `?` one character).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Matching {
    pub pattern: String,
}

/// How the selected controls are arranged in the resolved catalog.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Merge {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub combine: Option<Value>,
    /// Keep the source catalog's groups and nesting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_is: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flat: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<Value>,
}

/// Tailoring: parameter settings and per-control additions and removals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Modify {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set_parameters: Vec<SetParameter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alters: Vec<Alter>,
}

/// New values for a parameter of the selected controls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SetParameter {
    pub param_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guidelines: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<Value>,
}

/// Additions to and removals from one control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Alter {
    pub control_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removes: Vec<Remove>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adds: Vec<Add>,
}

/// Which parts, props or links of a control to remove; every given criterion must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Remove {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_id: Option<String>,
    /// `part`, `prop`, `link`, `param` or `mapping`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_item_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_ns: Option<String>,
}

/// Content added to a control or to one of its parts (`by-id`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Add {
    /// `before`, `after`, `starting` or `ending` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
}
