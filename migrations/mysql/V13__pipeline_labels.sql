-- Resource labels on the pipelines of a Launchpad (`/pipelines/labels/add|apply|remove`), as
-- tw_workflow_label is for runs. A label or a pipeline deleted takes its links with it.
-- Same tables, columns and indexes as migrations/sqlite (a test compares them).

CREATE TABLE tw_pipeline_label (
    pipeline_id BIGINT NOT NULL,
    label_id    BIGINT NOT NULL,
    PRIMARY KEY (pipeline_id, label_id),
    KEY ix_pipeline_label_label (label_id),
    CONSTRAINT fk_pipeline_label_pipeline FOREIGN KEY (pipeline_id) REFERENCES tw_pipeline (id) ON DELETE CASCADE,
    CONSTRAINT fk_pipeline_label_label FOREIGN KEY (label_id) REFERENCES tw_label (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
