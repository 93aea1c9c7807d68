-- Sign-in: browser sessions (refresh tokens, stored as SHA-256 hashes), e-mail sign-in links
-- (hashes, single use, expiring) and the OpenID Connect identities linked to users.
-- Same tables, columns and indexes as migrations/sqlite (a test compares them).

CREATE TABLE tw_session (
    id             BIGINT      NOT NULL AUTO_INCREMENT,
    user_id        BIGINT      NOT NULL,
    refresh_hash   CHAR(64)    NOT NULL,
    previous_hash  CHAR(64)    NULL,
    method         VARCHAR(16) NOT NULL,
    date_created   BIGINT      NOT NULL,
    last_refreshed BIGINT      NOT NULL,
    expires        BIGINT      NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_session_refresh_hash (refresh_hash),
    KEY ix_session_previous_hash (previous_hash),
    KEY ix_session_user (user_id),
    KEY ix_session_expires (expires),
    CONSTRAINT fk_session_user FOREIGN KEY (user_id) REFERENCES tw_user (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tw_sign_in_link (
    id           BIGINT       NOT NULL AUTO_INCREMENT,
    email        VARCHAR(255) NOT NULL,
    token_hash   CHAR(64)     NOT NULL,
    date_created BIGINT       NOT NULL,
    expires      BIGINT       NOT NULL,
    used         BIGINT       NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_sign_in_link_token_hash (token_hash),
    KEY ix_sign_in_link_email (email, date_created),
    KEY ix_sign_in_link_expires (expires)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tw_user_identity (
    id           BIGINT       NOT NULL AUTO_INCREMENT,
    user_id      BIGINT       NOT NULL,
    issuer       VARCHAR(255) NOT NULL,
    subject      VARCHAR(255) NOT NULL,
    subject_hash CHAR(64)     NOT NULL,
    date_created BIGINT       NOT NULL,
    last_used    BIGINT       NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_user_identity_subject_hash (subject_hash),
    KEY ix_user_identity_user (user_id),
    CONSTRAINT fk_user_identity_user FOREIGN KEY (user_id) REFERENCES tw_user (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
