package io.github.kdedup.redis;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.tck.IdempotencyStoreContract;
import io.github.kdedup.tck.RedisTlsServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Redis store passes the contract over mutual TLS, with host name verification on, against a
 * real TLS {@code redis-server} with a private CA that this class starts ({@link RedisTlsServer}).
 */
class RedisTlsStoreContractTest extends IdempotencyStoreContract {

    private static RedisTlsServer server;

    @BeforeAll
    static void startServer() {
        server = RedisTlsServer.start(true);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected IdempotencyStore openStore() {
        return IdempotencyStores.open("rediss://localhost:" + server.port() + "?poolSize=8&caCert=" + server.caCert()
                + "&clientCert=" + server.clientCert() + "&clientKey=" + server.clientKey());
    }
}
