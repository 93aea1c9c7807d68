-- Tenancy: organizations with members (owner/member/collaborator), workspaces with participants
-- (a member or a team, with a workspace role), teams of members, and custom roles (a named set of
-- permissions per organization). A run's workspace_id refers to tw_workspace.id; NULL is the
-- owner's personal workspace.

CREATE TABLE tw_organization (
    id           BIGINT        NOT NULL AUTO_INCREMENT,
    name         VARCHAR(40)   NOT NULL,
    full_name    VARCHAR(100)  NOT NULL,
    description  VARCHAR(1000) NULL,
    location     VARCHAR(100)  NULL,
    website      VARCHAR(255)  NULL,
    logo_id      VARCHAR(64)   NULL,
    type         VARCHAR(16)   NULL,
    date_created BIGINT        NOT NULL,
    last_updated BIGINT        NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_organization_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tw_org_member (
    id           BIGINT      NOT NULL AUTO_INCREMENT,
    org_id       BIGINT      NOT NULL,
    user_id      BIGINT      NOT NULL,
    role         VARCHAR(16) NOT NULL,
    date_created BIGINT      NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_org_member_org_user (org_id, user_id),
    KEY ix_org_member_user (user_id),
    CONSTRAINT fk_org_member_org FOREIGN KEY (org_id) REFERENCES tw_organization (id) ON DELETE CASCADE,
    CONSTRAINT fk_org_member_user FOREIGN KEY (user_id) REFERENCES tw_user (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tw_workspace (
    id           BIGINT        NOT NULL AUTO_INCREMENT,
    org_id       BIGINT        NOT NULL,
    name         VARCHAR(40)   NOT NULL,
    full_name    VARCHAR(100)  NOT NULL,
    description  VARCHAR(1000) NULL,
    visibility   VARCHAR(8)    NOT NULL,
    date_created BIGINT        NOT NULL,
    last_updated BIGINT        NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_workspace_org_name (org_id, name),
    CONSTRAINT fk_workspace_org FOREIGN KEY (org_id) REFERENCES tw_organization (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tw_team (
    id           BIGINT       NOT NULL AUTO_INCREMENT,
    org_id       BIGINT       NOT NULL,
    name         VARCHAR(40)  NOT NULL,
    description  VARCHAR(250) NULL,
    date_created BIGINT       NOT NULL,
    last_updated BIGINT       NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_team_org_name (org_id, name),
    CONSTRAINT fk_team_org FOREIGN KEY (org_id) REFERENCES tw_organization (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tw_team_member (
    team_id   BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    PRIMARY KEY (team_id, member_id),
    KEY ix_team_member_member (member_id),
    CONSTRAINT fk_team_member_team FOREIGN KEY (team_id) REFERENCES tw_team (id) ON DELETE CASCADE,
    CONSTRAINT fk_team_member_member FOREIGN KEY (member_id) REFERENCES tw_org_member (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tw_participant (
    id           BIGINT      NOT NULL AUTO_INCREMENT,
    workspace_id BIGINT      NOT NULL,
    member_id    BIGINT      NULL,
    team_id      BIGINT      NULL,
    role         VARCHAR(40) NOT NULL,
    date_created BIGINT      NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_participant_workspace_member (workspace_id, member_id),
    UNIQUE KEY ux_participant_workspace_team (workspace_id, team_id),
    KEY ix_participant_member (member_id),
    KEY ix_participant_team (team_id),
    CONSTRAINT fk_participant_workspace FOREIGN KEY (workspace_id) REFERENCES tw_workspace (id) ON DELETE CASCADE,
    CONSTRAINT fk_participant_member FOREIGN KEY (member_id) REFERENCES tw_org_member (id) ON DELETE CASCADE,
    CONSTRAINT fk_participant_team FOREIGN KEY (team_id) REFERENCES tw_team (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tw_role (
    id           BIGINT        NOT NULL AUTO_INCREMENT,
    org_id       BIGINT        NOT NULL,
    name         VARCHAR(40)   NOT NULL,
    description  VARCHAR(120)  NOT NULL,
    permissions  VARCHAR(4000) NOT NULL,
    date_created BIGINT        NOT NULL,
    last_updated BIGINT        NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_role_org_name (org_id, name),
    CONSTRAINT fk_role_org FOREIGN KEY (org_id) REFERENCES tw_organization (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
