-- Stored credentials and pipeline secrets. The secret part of each row is AES-256-GCM
-- ciphertext (nonce followed by ciphertext and tag) bound to its row, with the id of the key that
-- sealed it; the non-secret key fields are plain JSON. `scope` is 'w:<workspace id>' or
-- 'u:<user id>' (a personal context), so a name is unique within its context (ignoring case, as
-- MySQL's collation does).
-- Same tables, columns and indexes as migrations/mysql (a test compares them).

CREATE TABLE tw_credentials (
    id             VARCHAR(22)    NOT NULL PRIMARY KEY,
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
    last_updated   BIGINT         NOT NULL
);
CREATE UNIQUE INDEX ux_credentials_scope_name ON tw_credentials (scope, name COLLATE NOCASE);
CREATE INDEX ix_credentials_key ON tw_credentials (key_id);

CREATE TABLE tw_pipeline_secret (
    id           INTEGER       PRIMARY KEY AUTOINCREMENT,
    scope        VARCHAR(32)   NOT NULL,
    user_id      BIGINT        NOT NULL,
    workspace_id BIGINT        NULL,
    name         VARCHAR(100)  NOT NULL,
    secret       BLOB          NOT NULL,
    key_id       VARCHAR(16)   NOT NULL,
    last_used    BIGINT        NULL,
    date_created BIGINT        NOT NULL,
    last_updated BIGINT        NOT NULL
);
CREATE UNIQUE INDEX ux_pipeline_secret_scope_name ON tw_pipeline_secret (scope, name COLLATE NOCASE);
CREATE INDEX ix_pipeline_secret_key ON tw_pipeline_secret (key_id);
