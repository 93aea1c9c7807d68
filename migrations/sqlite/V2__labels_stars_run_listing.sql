-- Run labels and stars, and the indexes the runs list and task pages need.
-- Same tables, columns and indexes as migrations/mysql (a test compares them).

CREATE TABLE tw_label (
    id           INTEGER     PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT      NULL,
    workspace_id BIGINT      NULL,
    name         VARCHAR(39) NOT NULL,
    value        VARCHAR(39) NULL,
    resource     BOOLEAN     NOT NULL DEFAULT FALSE,
    is_default   BOOLEAN     NOT NULL DEFAULT FALSE,
    date_created BIGINT      NOT NULL
);
CREATE INDEX ix_label_scope_name ON tw_label (workspace_id, user_id, name);

CREATE TABLE tw_workflow_label (
    workflow_id VARCHAR(16) NOT NULL,
    label_id    BIGINT      NOT NULL,
    PRIMARY KEY (workflow_id, label_id),
    CONSTRAINT fk_workflow_label_label FOREIGN KEY (label_id) REFERENCES tw_label (id) ON DELETE CASCADE
);
CREATE INDEX ix_workflow_label_label ON tw_workflow_label (label_id);

CREATE TABLE tw_workflow_star (
    workflow_id  VARCHAR(16) NOT NULL,
    user_id      BIGINT      NOT NULL,
    date_created BIGINT      NOT NULL,
    PRIMARY KEY (workflow_id, user_id)
);
CREATE INDEX ix_workflow_star_user ON tw_workflow_star (user_id);

DROP INDEX ix_workflow_owner_created;
DROP INDEX ix_workflow_workspace_created;
CREATE INDEX ix_workflow_owner_list ON tw_workflow (owner_id, workspace_id, deleted, date_created);
CREATE INDEX ix_workflow_workspace_list ON tw_workflow (workspace_id, deleted, date_created);

DROP INDEX ix_task_workflow_status;

CREATE INDEX ix_workflow_owner_status_list ON tw_workflow (owner_id, workspace_id, deleted, status, date_created);
