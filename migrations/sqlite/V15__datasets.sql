-- Datasets: versioned CSV/TSV sample sheets that launches take as input. A dataset belongs to a
-- scope as credentials do; each upload is a new version whose file is stored here, in the
-- database (at most 10 MB each: replicas share it and its backups keep it). Labels as for runs.
-- Same tables, columns and indexes as migrations/mysql (a test compares them).

CREATE TABLE tw_dataset (
    id              VARCHAR(22)    NOT NULL PRIMARY KEY,
    scope           VARCHAR(32)    NOT NULL,
    user_id         BIGINT         NOT NULL,
    workspace_id    BIGINT         NULL,
    name            VARCHAR(100)   NOT NULL,
    description     VARCHAR(1000)  NULL,
    media_type      VARCHAR(64)    NULL,
    hidden          BOOLEAN        NOT NULL,
    last_version    INT            NOT NULL,
    last_updated_by BIGINT         NOT NULL,
    date_created    BIGINT         NOT NULL,
    last_updated    BIGINT         NOT NULL
);
CREATE UNIQUE INDEX ux_dataset_scope_name ON tw_dataset (scope, name COLLATE NOCASE);

CREATE TABLE tw_dataset_version (
    dataset_id   VARCHAR(22)   NOT NULL REFERENCES tw_dataset (id) ON DELETE CASCADE,
    version      INT           NOT NULL,
    file_name    VARCHAR(255)  NOT NULL,
    media_type   VARCHAR(64)   NOT NULL,
    has_header   BOOLEAN       NOT NULL,
    file_size    BIGINT        NOT NULL,
    content      MEDIUMBLOB    NOT NULL,
    disabled     BOOLEAN       NOT NULL,
    created_by   BIGINT        NOT NULL,
    date_created BIGINT        NOT NULL,
    PRIMARY KEY (dataset_id, version)
);

CREATE TABLE tw_dataset_label (
    dataset_id VARCHAR(22) NOT NULL REFERENCES tw_dataset (id) ON DELETE CASCADE,
    label_id   BIGINT      NOT NULL REFERENCES tw_label (id) ON DELETE CASCADE,
    PRIMARY KEY (dataset_id, label_id)
);
CREATE INDEX ix_dataset_label_label ON tw_dataset_label (label_id);

-- The dataset versions a launch's parameters name (`GET /launch/{launchId}/datasets`).
CREATE TABLE tw_launch_dataset (
    launch_id  VARCHAR(22) NOT NULL,
    dataset_id VARCHAR(22) NOT NULL REFERENCES tw_dataset (id) ON DELETE CASCADE,
    version    INT         NOT NULL,
    PRIMARY KEY (launch_id, dataset_id, version)
);
CREATE INDEX ix_launch_dataset_dataset ON tw_launch_dataset (dataset_id);
