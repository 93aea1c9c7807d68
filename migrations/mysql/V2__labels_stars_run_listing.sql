-- Run labels and stars, and the indexes the runs list and task pages need.

CREATE TABLE tw_label (
    id           BIGINT      NOT NULL AUTO_INCREMENT,
    user_id      BIGINT      NULL,
    workspace_id BIGINT      NULL,
    name         VARCHAR(39) NOT NULL,
    value        VARCHAR(39) NULL,
    resource     BOOLEAN     NOT NULL DEFAULT FALSE,
    is_default   BOOLEAN     NOT NULL DEFAULT FALSE,
    date_created BIGINT      NOT NULL,
    PRIMARY KEY (id),
    KEY ix_label_scope_name (workspace_id, user_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tw_workflow_label (
    workflow_id VARCHAR(16) NOT NULL,
    label_id    BIGINT      NOT NULL,
    PRIMARY KEY (workflow_id, label_id),
    KEY ix_workflow_label_label (label_id),
    CONSTRAINT fk_workflow_label_label FOREIGN KEY (label_id) REFERENCES tw_label (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tw_workflow_star (
    workflow_id  VARCHAR(16) NOT NULL,
    user_id      BIGINT      NOT NULL,
    date_created BIGINT      NOT NULL,
    PRIMARY KEY (workflow_id, user_id),
    KEY ix_workflow_star_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Runs list: newest first within an owner's or a workspace's non-deleted runs.
DROP INDEX ix_workflow_owner_created ON tw_workflow;
DROP INDEX ix_workflow_workspace_created ON tw_workflow;
CREATE INDEX ix_workflow_owner_list ON tw_workflow (owner_id, workspace_id, deleted, date_created);
CREATE INDEX ix_workflow_workspace_list ON tw_workflow (workspace_id, deleted, date_created);

-- Per-run task counts by status scan the run's primary-key range; an index on status would be
-- rewritten on each of the three writes every task gets.
DROP INDEX ix_task_workflow_status ON tw_task;

-- Runs list filtered by status (status:failed), newest first.
CREATE INDEX ix_workflow_owner_status_list ON tw_workflow (owner_id, workspace_id, deleted, status, date_created);
