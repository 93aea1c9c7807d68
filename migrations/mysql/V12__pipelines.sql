-- Pipelines of a workspace's Launchpad: a name, a repository and the launch settings it is
-- launched with (a `WorkflowLaunchRequest` as JSON). `scope` as for credentials.
-- Same tables, columns and indexes as migrations/sqlite (a test compares them).

CREATE TABLE tw_pipeline (
    id           BIGINT         NOT NULL AUTO_INCREMENT,
    scope        VARCHAR(32)    NOT NULL,
    user_id      BIGINT         NOT NULL,
    workspace_id BIGINT         NULL,
    name         VARCHAR(100)   NOT NULL,
    description  VARCHAR(2000)  NULL,
    icon         VARCHAR(1024)  NULL,
    repository   VARCHAR(512)   NOT NULL,
    launch       MEDIUMTEXT     NOT NULL,
    date_created BIGINT         NOT NULL,
    last_updated BIGINT         NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_pipeline_scope_name (scope, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
