-- Datasets: versioned CSV/TSV sample sheets that launches take as input. A dataset belongs to a
-- scope as credentials do; each upload is a new version whose file is stored here, in the
-- database (at most 10 MB each: replicas share it and its backups keep it). Labels as for runs.
-- Same tables, columns and indexes as migrations/sqlite (a test compares them).

CREATE TABLE tw_dataset (
    id              VARCHAR(22)    NOT NULL,
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
    last_updated    BIGINT         NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_dataset_scope_name (scope, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tw_dataset_version (
    dataset_id   VARCHAR(22)   NOT NULL,
    version      INT           NOT NULL,
    file_name    VARCHAR(255)  NOT NULL,
    media_type   VARCHAR(64)   NOT NULL,
    has_header   BOOLEAN       NOT NULL,
    file_size    BIGINT        NOT NULL,
    content      MEDIUMBLOB    NOT NULL,
    disabled     BOOLEAN       NOT NULL,
    created_by   BIGINT        NOT NULL,
    date_created BIGINT        NOT NULL,
    PRIMARY KEY (dataset_id, version),
    CONSTRAINT fk_dataset_version_dataset FOREIGN KEY (dataset_id) REFERENCES tw_dataset (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tw_dataset_label (
    dataset_id VARCHAR(22) NOT NULL,
    label_id   BIGINT      NOT NULL,
    PRIMARY KEY (dataset_id, label_id),
    KEY ix_dataset_label_label (label_id),
    CONSTRAINT fk_dataset_label_dataset FOREIGN KEY (dataset_id) REFERENCES tw_dataset (id) ON DELETE CASCADE,
    CONSTRAINT fk_dataset_label_label FOREIGN KEY (label_id) REFERENCES tw_label (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The dataset versions a launch's parameters name (`GET /launch/{launchId}/datasets`).
CREATE TABLE tw_launch_dataset (
    launch_id  VARCHAR(22) NOT NULL,
    dataset_id VARCHAR(22) NOT NULL,
    version    INT         NOT NULL,
    PRIMARY KEY (launch_id, dataset_id, version),
    KEY ix_launch_dataset_dataset (dataset_id),
    CONSTRAINT fk_launch_dataset_dataset FOREIGN KEY (dataset_id) REFERENCES tw_dataset (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
