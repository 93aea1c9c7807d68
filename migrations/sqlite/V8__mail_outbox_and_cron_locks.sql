-- The e-mail outbox and the cron job locks.
-- A mail row is written in the same transaction as the event that causes it (a sign-in link, a
-- finished run); cron sends it with retries and marks it sent. message_id is the RFC 5322
-- Message-ID, fixed when the row is written, so a resend after a crash carries the same id.
-- Same tables, columns and indexes as migrations/mysql (a test compares them).

CREATE TABLE tw_mail (
    id           INTEGER       PRIMARY KEY AUTOINCREMENT,
    message_id   VARCHAR(255)  NOT NULL,
    kind         VARCHAR(32)   NOT NULL,
    recipient    VARCHAR(255)  NOT NULL,
    subject      VARCHAR(255)  NOT NULL,
    body_text    MEDIUMTEXT    NOT NULL,
    body_html    MEDIUMTEXT    NULL,
    date_created BIGINT        NOT NULL,
    attempts     INT           NOT NULL DEFAULT 0,
    next_attempt BIGINT        NOT NULL,
    lease_owner  VARCHAR(64)   NULL,
    lease_until  BIGINT        NULL,
    sent         BIGINT        NULL,
    last_error   VARCHAR(1000) NULL
);
CREATE UNIQUE INDEX ux_mail_message_id ON tw_mail (message_id);
CREATE INDEX ix_mail_due ON tw_mail (sent, next_attempt);

CREATE TABLE tw_cron_lock (
    name    VARCHAR(64) NOT NULL PRIMARY KEY,
    owner   VARCHAR(64) NULL,
    expires BIGINT      NOT NULL
);
