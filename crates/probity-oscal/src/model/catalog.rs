//! The OSCAL catalog model: groups, controls with nested enhancements, parameters and parts.
//! The control tree is modelled field by field (unknown fields are rejected), so an error
//! deep in a 3 MB catalog is reported with its exact path.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{BackMatter, Link, Metadata, Prop};

/// `catalog`: the root of a catalog document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Catalog {
    pub uuid: String,
    pub metadata: Metadata,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_matter: Option<BackMatter>,
}

/// A group of controls (an 800-53 family), possibly nested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Group {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
}

/// A control; its `controls` are its enhancements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Control {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
}

impl Control {
    /// A control marked withdrawn (`status` prop with value `withdrawn`).
    pub fn is_withdrawn(&self) -> bool {
        self.props
            .iter()
            .any(|p| p.name == "status" && p.value == "withdrawn")
    }
}

/// A part of a control: statement, guidance, objective, with prose and sub-parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Part {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ns: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prose: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// A parameter (an organization-defined value) of a control or group. Constraints,
/// guidelines and selections are kept as JSON since Probity only carries them through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Param {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// OSCAL 1.0 only; later versions express this with a prop.
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

impl Catalog {
    /// Every control and enhancement, depth first in document order.
    pub fn all_controls(&self) -> Vec<&Control> {
        let mut out = Vec::new();
        fn walk<'a>(controls: &'a [Control], out: &mut Vec<&'a Control>) {
            for c in controls {
                out.push(c);
                walk(&c.controls, out);
            }
        }
        fn walk_groups<'a>(groups: &'a [Group], out: &mut Vec<&'a Control>) {
            for g in groups {
                walk(&g.controls, out);
                walk_groups(&g.groups, out);
            }
        }
        walk(&self.controls, &mut out);
        walk_groups(&self.groups, &mut out);
        out
    }

    /// Counts for `probity oscal info` and the tests.
    pub fn counts(&self) -> CatalogCounts {
        let all = self.all_controls();
        fn count_groups(groups: &[Group]) -> usize {
            groups.iter().map(|g| 1 + count_groups(&g.groups)).sum()
        }
        let top_level = self.controls.len() + {
            fn top(groups: &[Group]) -> usize {
                groups
                    .iter()
                    .map(|g| g.controls.len() + top(&g.groups))
                    .sum()
            }
            top(&self.groups)
        };
        CatalogCounts {
            groups: count_groups(&self.groups),
            controls: all.len(),
            top_level,
            enhancements: all.len().saturating_sub(top_level),
            withdrawn: all.iter().filter(|c| c.is_withdrawn()).count(),
        }
    }
}

/// Sizes of a catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CatalogCounts {
    /// Groups at any depth.
    pub groups: usize,
    /// Controls and enhancements at any depth.
    pub controls: usize,
    /// Controls directly in a group or the catalog.
    pub top_level: usize,
    /// Controls nested in another control.
    pub enhancements: usize,
    /// Controls whose `status` prop is `withdrawn`.
    pub withdrawn: usize,
}
