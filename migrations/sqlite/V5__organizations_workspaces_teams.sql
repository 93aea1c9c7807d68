-- Tenancy: organizations with members (owner/member/collaborator), workspaces with participants
-- (a member or a team, with a workspace role), teams of members, and custom roles (a named set of
-- permissions per organization). A run's workspace_id refers to tw_workspace.id; NULL is the
-- owner's personal workspace.

CREATE TABLE tw_organization (
    id           INTEGER       PRIMARY KEY AUTOINCREMENT,
    name         VARCHAR(40)   NOT NULL,
    full_name    VARCHAR(100)  NOT NULL,
    description  VARCHAR(1000) NULL,
    location     VARCHAR(100)  NULL,
    website      VARCHAR(255)  NULL,
    logo_id      VARCHAR(64)   NULL,
    type         VARCHAR(16)   NULL,
    date_created BIGINT        NOT NULL,
    last_updated BIGINT        NOT NULL
);
CREATE UNIQUE INDEX ux_organization_name ON tw_organization (name);

CREATE TABLE tw_org_member (
    id           INTEGER     PRIMARY KEY AUTOINCREMENT,
    org_id       BIGINT      NOT NULL,
    user_id      BIGINT      NOT NULL,
    role         VARCHAR(16) NOT NULL,
    date_created BIGINT      NOT NULL,
    CONSTRAINT fk_org_member_org FOREIGN KEY (org_id) REFERENCES tw_organization (id) ON DELETE CASCADE,
    CONSTRAINT fk_org_member_user FOREIGN KEY (user_id) REFERENCES tw_user (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ux_org_member_org_user ON tw_org_member (org_id, user_id);
CREATE INDEX ix_org_member_user ON tw_org_member (user_id);

CREATE TABLE tw_workspace (
    id           INTEGER       PRIMARY KEY AUTOINCREMENT,
    org_id       BIGINT        NOT NULL,
    name         VARCHAR(40)   NOT NULL,
    full_name    VARCHAR(100)  NOT NULL,
    description  VARCHAR(1000) NULL,
    visibility   VARCHAR(8)    NOT NULL,
    date_created BIGINT        NOT NULL,
    last_updated BIGINT        NOT NULL,
    CONSTRAINT fk_workspace_org FOREIGN KEY (org_id) REFERENCES tw_organization (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ux_workspace_org_name ON tw_workspace (org_id, name);

CREATE TABLE tw_team (
    id           INTEGER      PRIMARY KEY AUTOINCREMENT,
    org_id       BIGINT       NOT NULL,
    name         VARCHAR(40)  NOT NULL,
    description  VARCHAR(250) NULL,
    date_created BIGINT       NOT NULL,
    last_updated BIGINT       NOT NULL,
    CONSTRAINT fk_team_org FOREIGN KEY (org_id) REFERENCES tw_organization (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ux_team_org_name ON tw_team (org_id, name);

CREATE TABLE tw_team_member (
    team_id   BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    PRIMARY KEY (team_id, member_id),
    CONSTRAINT fk_team_member_team FOREIGN KEY (team_id) REFERENCES tw_team (id) ON DELETE CASCADE,
    CONSTRAINT fk_team_member_member FOREIGN KEY (member_id) REFERENCES tw_org_member (id) ON DELETE CASCADE
);
CREATE INDEX ix_team_member_member ON tw_team_member (member_id);

CREATE TABLE tw_participant (
    id           INTEGER     PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT      NOT NULL,
    member_id    BIGINT      NULL,
    team_id      BIGINT      NULL,
    role         VARCHAR(40) NOT NULL,
    date_created BIGINT      NOT NULL,
    CONSTRAINT fk_participant_workspace FOREIGN KEY (workspace_id) REFERENCES tw_workspace (id) ON DELETE CASCADE,
    CONSTRAINT fk_participant_member FOREIGN KEY (member_id) REFERENCES tw_org_member (id) ON DELETE CASCADE,
    CONSTRAINT fk_participant_team FOREIGN KEY (team_id) REFERENCES tw_team (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ux_participant_workspace_member ON tw_participant (workspace_id, member_id);
CREATE UNIQUE INDEX ux_participant_workspace_team ON tw_participant (workspace_id, team_id);
CREATE INDEX ix_participant_member ON tw_participant (member_id);
CREATE INDEX ix_participant_team ON tw_participant (team_id);

CREATE TABLE tw_role (
    id           INTEGER       PRIMARY KEY AUTOINCREMENT,
    org_id       BIGINT        NOT NULL,
    name         VARCHAR(40)   NOT NULL,
    description  VARCHAR(120)  NOT NULL,
    permissions  VARCHAR(4000) NOT NULL,
    date_created BIGINT        NOT NULL,
    last_updated BIGINT        NOT NULL,
    CONSTRAINT fk_role_org FOREIGN KEY (org_id) REFERENCES tw_organization (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ux_role_org_name ON tw_role (org_id, name);
