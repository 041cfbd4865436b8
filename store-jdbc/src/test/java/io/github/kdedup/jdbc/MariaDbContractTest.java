package io.github.kdedup.jdbc;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.tck.IdempotencyStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;

/** The JDBC store passes the contract on MariaDB, in a fresh table of its own. */
@DisplayName("JDBC store on MariaDB")
class MariaDbContractTest extends IdempotencyStoreContract {

    private static final String TABLE = Databases.randomTable();

    @Override
    protected IdempotencyStore openStore() {
        return IdempotencyStores.open(Databases.with(Databases.mariadbUrl(), "kdedupTable=" + TABLE));
    }

    @AfterAll
    static void dropTable() {
        Databases.drop(Databases.mariadbUrl(), TABLE);
    }
}
