-- Launches: a run Tower starts on a compute environment. The launch and its run are written in
-- one transaction before anything is submitted; `state` moves PENDING -> SUBMITTED (the job is on
-- the compute environment, `job_id` says which) -> ENDED. `claimed_until` is the lease of the
-- process submitting it, so a submitter that died is replaced and the job, found again by its
-- name, is submitted once. `token_id` is the run's own access token, revoked when the run ends.
-- Same tables, columns and indexes as migrations/sqlite (a test compares them).

CREATE TABLE tw_launch (
    id             VARCHAR(22)    NOT NULL,
    workflow_id    VARCHAR(16)    NOT NULL,
    scope          VARCHAR(32)    NOT NULL,
    user_id        BIGINT         NOT NULL,
    workspace_id   BIGINT         NULL,
    compute_env_id VARCHAR(22)    NOT NULL,
    request        MEDIUMTEXT     NOT NULL,
    state          VARCHAR(16)    NOT NULL,
    job_id         VARCHAR(64)    NULL,
    run_dir        VARCHAR(1024)  NULL,
    token_id       BIGINT         NULL,
    claimed_until  BIGINT         NULL,
    attempts       INT            NOT NULL DEFAULT 0,
    message        VARCHAR(4096)  NULL,
    date_created   BIGINT         NOT NULL,
    last_updated   BIGINT         NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_launch_workflow (workflow_id),
    KEY ix_launch_state (state)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
