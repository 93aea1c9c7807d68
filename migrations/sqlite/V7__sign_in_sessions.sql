-- Sign-in: browser sessions (refresh tokens, stored as SHA-256 hashes), e-mail sign-in links
-- (hashes, single use, expiring) and the OpenID Connect identities linked to users.
-- Same tables, columns and indexes as migrations/mysql (a test compares them).

CREATE TABLE tw_session (
    id             INTEGER     PRIMARY KEY AUTOINCREMENT,
    user_id        BIGINT      NOT NULL,
    refresh_hash   CHAR(64)    NOT NULL,
    previous_hash  CHAR(64)    NULL,
    method         VARCHAR(16) NOT NULL,
    date_created   BIGINT      NOT NULL,
    last_refreshed BIGINT      NOT NULL,
    expires        BIGINT      NOT NULL,
    CONSTRAINT fk_session_user FOREIGN KEY (user_id) REFERENCES tw_user (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ux_session_refresh_hash ON tw_session (refresh_hash);
CREATE INDEX ix_session_previous_hash ON tw_session (previous_hash);
CREATE INDEX ix_session_user ON tw_session (user_id);
CREATE INDEX ix_session_expires ON tw_session (expires);

CREATE TABLE tw_sign_in_link (
    id           INTEGER      PRIMARY KEY AUTOINCREMENT,
    email        VARCHAR(255) NOT NULL,
    token_hash   CHAR(64)     NOT NULL,
    date_created BIGINT       NOT NULL,
    expires      BIGINT       NOT NULL,
    used         BIGINT       NULL
);
CREATE UNIQUE INDEX ux_sign_in_link_token_hash ON tw_sign_in_link (token_hash);
CREATE INDEX ix_sign_in_link_email ON tw_sign_in_link (email, date_created);
CREATE INDEX ix_sign_in_link_expires ON tw_sign_in_link (expires);

CREATE TABLE tw_user_identity (
    id           INTEGER      PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT       NOT NULL,
    issuer       VARCHAR(255) NOT NULL,
    subject      VARCHAR(255) NOT NULL,
    subject_hash CHAR(64)     NOT NULL,
    date_created BIGINT       NOT NULL,
    last_used    BIGINT       NOT NULL,
    CONSTRAINT fk_user_identity_user FOREIGN KEY (user_id) REFERENCES tw_user (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ux_user_identity_subject_hash ON tw_user_identity (subject_hash);
CREATE INDEX ix_user_identity_user ON tw_user_identity (user_id);
