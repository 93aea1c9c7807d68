-- Versions of a Launchpad pipeline: each a launch configuration with a hash of what it runs.
-- A published version has a name (unique in its pipeline), a draft has none; one is the default,
-- whose launch is also tw_pipeline.launch. A launch records the version it was launched from.
-- Pipelines made before this migration get their first version when it is first read.
-- Same tables, columns and indexes as migrations/mysql (a test compares them).

CREATE TABLE tw_pipeline_version (
    id           VARCHAR(22)    NOT NULL PRIMARY KEY,
    pipeline_id  BIGINT         NOT NULL REFERENCES tw_pipeline (id) ON DELETE CASCADE,
    name         VARCHAR(255)   NULL,
    is_default   BOOLEAN        NOT NULL,
    hash         CHAR(64)       NOT NULL,
    launch       MEDIUMTEXT     NOT NULL,
    creator_id   BIGINT         NOT NULL,
    date_created BIGINT         NOT NULL,
    last_updated BIGINT         NOT NULL
);
CREATE UNIQUE INDEX ux_pipeline_version_name ON tw_pipeline_version (pipeline_id, name COLLATE NOCASE);

ALTER TABLE tw_launch ADD COLUMN pipeline_version_id VARCHAR(22) NULL;
CREATE INDEX ix_launch_pipeline_version ON tw_launch (pipeline_version_id);
