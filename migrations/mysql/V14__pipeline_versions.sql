-- Versions of a Launchpad pipeline: each a launch configuration with a hash of what it runs.
-- A published version has a name (unique in its pipeline), a draft has none; one is the default,
-- whose launch is also tw_pipeline.launch. A launch records the version it was launched from.
-- Pipelines made before this migration get their first version when it is first read.
-- Same tables, columns and indexes as migrations/sqlite (a test compares them).

CREATE TABLE tw_pipeline_version (
    id           VARCHAR(22)    NOT NULL,
    pipeline_id  BIGINT         NOT NULL,
    name         VARCHAR(255)   NULL,
    is_default   BOOLEAN        NOT NULL,
    hash         CHAR(64)       NOT NULL,
    launch       MEDIUMTEXT     NOT NULL,
    creator_id   BIGINT         NOT NULL,
    date_created BIGINT         NOT NULL,
    last_updated BIGINT         NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_pipeline_version_name (pipeline_id, name),
    CONSTRAINT fk_pipeline_version_pipeline FOREIGN KEY (pipeline_id) REFERENCES tw_pipeline (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE tw_launch ADD COLUMN pipeline_version_id VARCHAR(22) NULL;
CREATE INDEX ix_launch_pipeline_version ON tw_launch (pipeline_version_id);
