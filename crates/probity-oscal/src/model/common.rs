//! Pieces shared by every OSCAL model: metadata, properties, links, back-matter. Fields we do
//! not model are kept in `extra` so a document survives an import/export round trip.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Fields of an object that this crate does not model, kept verbatim.
pub type Extra = Map<String, Value>;

/// `metadata`: title, versions, roles and parties of a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Metadata {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    pub last_modified: String,
    pub version: String,
    pub oscal_version: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Metadata {
    /// Metadata of a document written by Probity now, in OSCAL 1.2.3.
    pub fn new(title: &str, version: &str, last_modified: &str) -> Self {
        Self {
            title: title.to_owned(),
            published: None,
            last_modified: last_modified.to_owned(),
            version: version.to_owned(),
            oscal_version: crate::OSCAL_VERSION.to_owned(),
            props: Vec::new(),
            links: Vec::new(),
            roles: Vec::new(),
            parties: Vec::new(),
            remarks: None,
            extra: Extra::new(),
        }
    }
}

/// A role (`metadata.roles`), referenced by `role-id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Role {
    pub id: String,
    pub title: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A person or organization (`metadata.parties`), referenced by `party-uuid(s)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Party {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A name/value property (`props`); every field of OSCAL 1.x is modelled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Prop {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ns: Option<String>,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

impl Prop {
    /// A plain property without namespace.
    pub fn new(name: &str, value: &str) -> Self {
        Self {
            name: name.to_owned(),
            uuid: None,
            ns: None,
            value: value.to_owned(),
            class: None,
            group: None,
            remarks: None,
        }
    }
}

/// A link (`links`); every field of OSCAL 1.x is modelled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Link {
    pub href: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_fragment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// `back-matter`: resources that `#uuid` hrefs point to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct BackMatter {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl BackMatter {
    /// The resource with this uuid.
    pub fn resource(&self, uuid: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.uuid == uuid)
    }
}

/// One back-matter resource: a citation, an embedded file or links to copies elsewhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Resource {
    pub uuid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rlinks: Vec<Rlink>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A resource's link to a copy of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Rlink {
    pub href: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}
