-- Bearer tokens: only a hash of the secret is stored.
CREATE TABLE api_tokens (
    token_id    text        PRIMARY KEY,
    actor       text        NOT NULL,
    roles       text[]      NOT NULL,
    secret_hash bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- The first successful response to each (actor, Idempotency-Key), written in the same
-- transaction as the events it reports, so a replay never disagrees with the store.
CREATE TABLE idempotency_keys (
    actor        text        NOT NULL,
    key          text        NOT NULL,
    request_hash bytea       NOT NULL,
    status_code  int         NOT NULL,
    headers      jsonb       NOT NULL,
    body         bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);
