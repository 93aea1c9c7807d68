-- The audit log: who did what, when, from where, to what, and how it ended. Append-only: rows
-- are written once and only cron's retention job deletes them (older than
-- TOWER_AUDIT_LOG_RETENTION_DAYS). No request or response body is kept, so no secret either.
-- Same tables, columns and indexes as migrations/sqlite (a test compares them).

CREATE TABLE tw_audit_log (
    id           BIGINT        NOT NULL AUTO_INCREMENT,
    date_created BIGINT        NOT NULL,
    event        VARCHAR(64)   NOT NULL,
    operation    VARCHAR(64)   NOT NULL,
    status       INT           NOT NULL,
    actor_type   VARCHAR(16)   NOT NULL,
    user_id      BIGINT        NULL,
    is_root      BOOLEAN       NOT NULL,
    token_id     BIGINT        NULL,
    ip           VARCHAR(64)   NULL,
    user_agent   VARCHAR(512)  NULL,
    org_id       BIGINT        NULL,
    workspace_id BIGINT        NULL,
    target_type  VARCHAR(32)   NULL,
    target_id    VARCHAR(64)   NULL,
    PRIMARY KEY (id),
    KEY ix_audit_log_date (date_created),
    KEY ix_audit_log_org (org_id, id),
    KEY ix_audit_log_user (user_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
