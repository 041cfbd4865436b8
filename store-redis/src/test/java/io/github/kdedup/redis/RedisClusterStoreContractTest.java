package io.github.kdedup.redis;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.tck.IdempotencyStoreContract;
import io.github.kdedup.tck.RedisClusterLauncher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Redis store passes the contract against a real Redis Cluster of three masters that this class
 * starts ({@link RedisClusterLauncher}) and stops. Keys are hashed per key, so every batch spans all
 * three masters and exercises the per-node pipelines.
 */
class RedisClusterStoreContractTest extends IdempotencyStoreContract {

    private static RedisClusterLauncher cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterLauncher.start(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected IdempotencyStore openStore() {
        return IdempotencyStores.open(cluster.uri());
    }
}
