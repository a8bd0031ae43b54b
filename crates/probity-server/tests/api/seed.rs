//! Seed data: tenants `acme` and `globex`, each with an owner and an API token per role.

use std::collections::BTreeMap;

use probity_core::audit::Actor;
use probity_core::platform::{PlatformService, Principal, Role, Tenant, TokenId, User};
use secrecy::{ExposeSecret, SecretString};

use crate::harness::PASSWORD;

/// A seeded tenant: its owner account and one API token per role.
pub struct Org {
    /// The tenant.
    pub tenant: Tenant,
    /// The owner's account.
    pub owner: User,
    tokens: BTreeMap<Role, (String, TokenId)>,
}

impl Org {
    /// The secret token acting with `role`.
    pub fn token(&self, role: Role) -> &str {
        &self.tokens[&role].0
    }

    /// The record id of the token acting with `role`.
    pub fn token_id(&self, role: Role) -> TokenId {
        self.tokens[&role].1
    }

    /// The owner's token.
    pub fn owner_token(&self) -> &str {
        self.token(Role::Owner)
    }

    /// The owner's email.
    pub fn owner_email(&self) -> &str {
        self.owner.email.as_str()
    }

    /// Every id and secret of this tenant that another tenant must never see.
    pub fn markers(&self) -> Vec<String> {
        let mut markers = vec![
            self.tenant.id.to_string(),
            self.tenant.slug.to_string(),
            self.tenant.name.clone(),
            self.owner.id.to_string(),
            self.owner.email.to_string(),
        ];
        for (secret, id) in self.tokens.values() {
            markers.push(secret.clone());
            markers.push(id.to_string());
        }
        markers
    }
}

/// Creates tenant `slug` with an owner `owner@<slug>.test` and a token for every role.
pub async fn seed_org(platform: &PlatformService, slug: &str, name: &str) -> Org {
    let actor = Actor::system("test");
    let tenant = platform
        .create_tenant(&actor, slug, name)
        .await
        .expect("create tenant");
    let password = SecretString::from(PASSWORD.to_owned());
    let owner = platform
        .create_user(
            &actor,
            &tenant,
            &format!("owner@{slug}.test"),
            None,
            &password,
            Role::Owner,
        )
        .await
        .expect("create owner");
    let system = Principal::system(tenant.clone(), "test");
    let mut tokens = BTreeMap::new();
    for role in Role::ALL {
        let issued = platform
            .create_token(&system, &format!("{slug} {role} token"), role, None)
            .await
            .expect("create token");
        tokens.insert(
            role,
            (issued.token.expose_secret().to_owned(), issued.record.id),
        );
    }
    Org {
        tenant,
        owner,
        tokens,
    }
}

/// The two tenants every multi-tenant test uses.
pub struct World {
    /// The caller's tenant.
    pub acme: Org,
    /// The other tenant, whose data the caller must never reach.
    pub globex: Org,
}

/// Seeds `acme` and `globex`.
pub async fn seed(platform: &PlatformService) -> World {
    World {
        acme: seed_org(platform, "acme", "Acme Ltd").await,
        globex: seed_org(platform, "globex", "Globex Corporation").await,
    }
}
