-- Compute environments. `config` is the platform's configuration as JSON (no secret in it: the
-- keys are in the credentials it names). `host_keys` pins the SSH host keys of a grid cluster at
-- the first successful check (known_hosts lines); `checking_until` is the lease of the process
-- running its pre-flight checks, so a check that died with its process is run again.
-- Same tables, columns and indexes as migrations/sqlite (a test compares them).

CREATE TABLE tw_compute_env (
    id             VARCHAR(22)    NOT NULL,
    scope          VARCHAR(32)    NOT NULL,
    user_id        BIGINT         NOT NULL,
    workspace_id   BIGINT         NULL,
    name           VARCHAR(100)   NOT NULL,
    platform       VARCHAR(25)    NOT NULL,
    description    VARCHAR(2000)  NULL,
    credentials_id VARCHAR(22)    NULL,
    config         MEDIUMTEXT     NOT NULL,
    status         VARCHAR(16)    NOT NULL,
    message        VARCHAR(4096)  NULL,
    is_primary     BOOLEAN        NOT NULL DEFAULT FALSE,
    host_keys      TEXT           NULL,
    checking_until BIGINT         NULL,
    last_used      BIGINT         NULL,
    date_created   BIGINT         NOT NULL,
    last_updated   BIGINT         NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_compute_env_scope_name (scope, name),
    KEY ix_compute_env_credentials (credentials_id),
    KEY ix_compute_env_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
