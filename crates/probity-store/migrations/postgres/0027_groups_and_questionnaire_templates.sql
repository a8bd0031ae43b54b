-- Member groups (lowercase slugs, a JSON list kept with the membership) for acknowledgment rates
-- per group, and questionnaire templates a tenant defines beside the shipped ones: every version
-- kept as its JSON record; removal marks the key's versions rather than deleting them.

ALTER TABLE memberships ADD COLUMN member_groups JSONB NOT NULL DEFAULT '[]';

CREATE TABLE questionnaire_templates (
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    key        TEXT NOT NULL,
    version    BIGINT NOT NULL,
    record     JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    removed_at TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, key, version)
);
