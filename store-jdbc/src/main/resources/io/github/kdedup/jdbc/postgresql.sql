-- kdedup claims table for PostgreSQL (9.5+; tested on 15).
-- "C" collation: keys compare byte by byte ('Key' <> 'key', 'é' <> 'e' || U+0301) and fast.
CREATE TABLE IF NOT EXISTS kdedup_claims (
    namespace        text        COLLATE "C" NOT NULL,
    claim_key        text        COLLATE "C" NOT NULL,
    state            text        NOT NULL,
    token            text        NOT NULL,
    owner            text        NOT NULL,
    origin_topic     text        NOT NULL,
    origin_partition integer     NOT NULL,
    origin_offset    bigint      NOT NULL,
    fingerprint      text,
    expires_at       timestamptz NOT NULL,
    PRIMARY KEY (namespace, claim_key)
);
-- Serves the purge: DELETE ... WHERE expires_at <= now() in bounded batches.
CREATE INDEX IF NOT EXISTS kdedup_claims_expires_at_idx ON kdedup_claims (expires_at);
