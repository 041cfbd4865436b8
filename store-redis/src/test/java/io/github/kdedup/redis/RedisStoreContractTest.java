package io.github.kdedup.redis;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.tck.IdempotencyStoreContract;
import io.github.kdedup.tck.TestServices;

/** The Redis store passes the contract against a standalone Redis (TestServices.redisUri()), opened by URI. */
class RedisStoreContractTest extends IdempotencyStoreContract {

    @Override
    protected IdempotencyStore openStore() {
        return IdempotencyStores.open(TestServices.redisUri() + "?keyPrefix=kdedup-test&poolSize=8");
    }
}
