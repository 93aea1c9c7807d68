-- Resource labels on the pipelines of a Launchpad (`/pipelines/labels/add|apply|remove`), as
-- tw_workflow_label is for runs. A label or a pipeline deleted takes its links with it.
-- Same tables, columns and indexes as migrations/mysql (a test compares them).

CREATE TABLE tw_pipeline_label (
    pipeline_id BIGINT NOT NULL REFERENCES tw_pipeline (id) ON DELETE CASCADE,
    label_id    BIGINT NOT NULL REFERENCES tw_label (id) ON DELETE CASCADE,
    PRIMARY KEY (pipeline_id, label_id)
);
CREATE INDEX ix_pipeline_label_label ON tw_pipeline_label (label_id);
