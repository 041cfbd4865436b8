-- kdedup claims table for MariaDB 10.5+ (and MySQL 8 with the same dialect). InnoDB.
-- Namespace and key are VARBINARY holding their UTF-8 bytes: comparison is exact ('Key' <> 'key',
-- 'é' <> 'e' + U+0301, no trailing-space padding) and the primary key is 128 + 512 = 640 bytes,
-- well under InnoDB's 3072-byte index limit. expires_at holds UTC (UTC_TIMESTAMP(6)), so the
-- session time zone never matters.
CREATE TABLE IF NOT EXISTS kdedup_claims (
    namespace        VARBINARY(128) NOT NULL,
    claim_key        VARBINARY(512) NOT NULL,
    state            VARCHAR(11)    CHARACTER SET ascii NOT NULL,
    token            VARCHAR(64)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    owner            VARCHAR(255)   CHARACTER SET utf8mb4 NOT NULL,
    origin_topic     VARCHAR(249)   CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    origin_partition INT            NOT NULL,
    origin_offset    BIGINT         NOT NULL,
    fingerprint      VARCHAR(128)   CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
    expires_at       DATETIME(6)    NOT NULL,
    PRIMARY KEY (namespace, claim_key),
    -- Serves the purge: DELETE ... WHERE expires_at <= UTC_TIMESTAMP(6) ORDER BY expires_at LIMIT n.
    INDEX kdedup_claims_expires_at_idx (expires_at)
) ENGINE = InnoDB;
