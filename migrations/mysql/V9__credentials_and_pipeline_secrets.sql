-- Stored credentials and pipeline secrets. The secret part of each row is AES-256-GCM
-- ciphertext (nonce followed by ciphertext and tag) bound to its row, with the id of the key that
-- sealed it; the non-secret key fields are plain JSON. `scope` is 'w:<workspace id>' or
-- 'u:<user id>' (a personal context), so a name is unique within its context (ignoring case, as
-- on SQLite).
-- Same tables, columns and indexes as migrations/sqlite (a test compares them).

CREATE TABLE tw_credentials (
    id             VARCHAR(22)    NOT NULL,
    scope          VARCHAR(32)    NOT NULL,
    user_id        BIGINT         NOT NULL,
    workspace_id   BIGINT         NULL,
    name           VARCHAR(100)   NOT NULL,
    provider       VARCHAR(16)    NOT NULL,
    base_url       VARCHAR(200)   NULL,
    category       VARCHAR(20)    NULL,
    description    VARCHAR(1000)  NULL,
    public_keys    TEXT           NOT NULL,
    secret         BLOB           NOT NULL,
    key_id         VARCHAR(16)    NOT NULL,
    status         VARCHAR(16)    NOT NULL,
    message        VARCHAR(4096)  NULL,
    last_used      BIGINT         NULL,
    last_validated BIGINT         NULL,
    date_created   BIGINT         NOT NULL,
    last_updated   BIGINT         NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_credentials_scope_name (scope, name),
    KEY ix_credentials_key (key_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tw_pipeline_secret (
    id           BIGINT        NOT NULL AUTO_INCREMENT,
    scope        VARCHAR(32)   NOT NULL,
    user_id      BIGINT        NOT NULL,
    workspace_id BIGINT        NULL,
    name         VARCHAR(100)  NOT NULL,
    secret       BLOB          NOT NULL,
    key_id       VARCHAR(16)   NOT NULL,
    last_used    BIGINT        NULL,
    date_created BIGINT        NOT NULL,
    last_updated BIGINT        NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_pipeline_secret_scope_name (scope, name),
    KEY ix_pipeline_secret_key (key_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
