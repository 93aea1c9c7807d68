-- Actions: a stored launch that something else starts. `tower`: a call to
-- `POST /actions/{id}/launch`; `github`: a signed push delivery to the action's hook URL (its
-- HMAC secret sealed as credentials are); `cron`: a schedule that the cron service fires, the
-- next fire time kept here so every fire is claimed once whatever cron runs it. A launch made by
-- an action names it, and its id is derived from what started it (a delivery, a scheduled
-- time), so the same cause launches once however often it arrives.
-- Same tables, columns and indexes as migrations/sqlite (a test compares them).

CREATE TABLE tw_action (
    id             VARCHAR(22)    NOT NULL,
    scope          VARCHAR(32)    NOT NULL,
    user_id        BIGINT         NOT NULL,
    workspace_id   BIGINT         NULL,
    name           VARCHAR(100)   NOT NULL,
    source         VARCHAR(16)    NOT NULL,
    status         VARCHAR(16)    NOT NULL,
    launch         MEDIUMTEXT     NOT NULL,
    hook_id        VARCHAR(32)    NULL,
    secret         BLOB           NULL,
    key_id         VARCHAR(64)    NOT NULL,
    cron_expression VARCHAR(255)  NULL,
    cron_timezone  VARCHAR(64)    NULL,
    cron_catch_up  BOOLEAN        NOT NULL,
    next_fire      BIGINT         NULL,
    last_seen      BIGINT         NULL,
    event          TEXT           NULL,
    error          VARCHAR(1024)  NULL,
    date_created   BIGINT         NOT NULL,
    last_updated   BIGINT         NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_action_scope_name (scope, name),
    UNIQUE KEY ux_action_hook (hook_id),
    KEY ix_action_next_fire (next_fire)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tw_action_label (
    action_id VARCHAR(22) NOT NULL,
    label_id  BIGINT      NOT NULL,
    PRIMARY KEY (action_id, label_id),
    KEY ix_action_label_label (label_id),
    CONSTRAINT fk_action_label_action FOREIGN KEY (action_id) REFERENCES tw_action (id) ON DELETE CASCADE,
    CONSTRAINT fk_action_label_label FOREIGN KEY (label_id) REFERENCES tw_label (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE tw_launch ADD COLUMN action_id VARCHAR(22) NULL;
CREATE INDEX ix_launch_action ON tw_launch (action_id);
