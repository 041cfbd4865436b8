package io.github.kdedup.benchmarks;

import java.util.Arrays;
import java.util.List;

/**
 * Every target {@link ClaimBenchmark} measures, listed once (as Caffeine's benchmarks list their
 * caches in {@code CacheType}): the four kdedup stores, the raw backend operation each one is
 * measured against, and the peers users pick instead. The constant's name is the value of the
 * benchmark's {@code target} parameter, e.g. {@code -p target=Redis,RawRedis,CamelRedis}.
 *
 * <p>Immutable and thread-safe; {@link #open} returns a target confined to one thread.
 */
public enum Target {
    /** The memory store, {@code memory:}. */
    Memory(Backend.MEMORY, Role.STORE, "kdedup memory store", 1_000_000, 0, StoreTarget::new),
    /** The Redis store, {@code redis://}. */
    Redis(Backend.REDIS, Role.STORE, "kdedup redis store", 200_000, 10_000, StoreTarget::new),
    /** The JDBC store on PostgreSQL. */
    Postgres(Backend.POSTGRES, Role.STORE, "kdedup postgres store", 30_000, 3_000, StoreTarget::new),
    /** The JDBC store on MariaDB. */
    MariaDb(Backend.MARIADB, Role.STORE, "kdedup mariadb store", 30_000, 3_000, StoreTarget::new),

    /** Caffeine's {@code asMap().putIfAbsent}, per key. */
    RawCaffeine(Backend.MEMORY, Role.RAW, "raw Caffeine putIfAbsent", 3_000_000, 0, (b, id) -> new CaffeineTarget(id)),
    /** One pipelined {@code SET key value NX PX lease} per key, one round trip per batch. */
    RawRedis(Backend.REDIS, Role.RAW, "raw pipelined SET NX PX", 400_000, 10_000, (b, id) -> new RedisRawTarget(id)),
    /** One {@code INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING} per batch. */
    RawPostgres(
            Backend.POSTGRES,
            Role.RAW,
            "raw INSERT ... ON CONFLICT DO NOTHING",
            60_000,
            3_000,
            (b, id) -> new SqlRawTarget.Postgres(id)),
    /** One multi-row {@code INSERT IGNORE} per batch. */
    RawMariaDb(Backend.MARIADB, Role.RAW, "raw INSERT IGNORE", 40_000, 3_000, (b, id) -> new SqlRawTarget.MariaDb(id)),

    /** Apache Camel's {@code CaffeineIdempotentRepository}. */
    CamelCaffeine(
            Backend.MEMORY,
            Role.PEER,
            "Camel CaffeineIdempotentRepository",
            3_000_000,
            0,
            (b, id) -> Peers.camelCaffeine(id)),
    /** Apache Camel's {@code MemoryIdempotentRepository} (an LRU map). */
    CamelMemory(
            Backend.MEMORY,
            Role.PEER,
            "Camel MemoryIdempotentRepository",
            3_000_000,
            0,
            (b, id) -> Peers.camelMemory(id)),
    /** Apache Camel's {@code SpringRedisStringIdempotentRepository}: {@code SET NX EX} per key. */
    CamelRedis(
            Backend.REDIS,
            Role.PEER,
            "Camel SpringRedisStringIdempotentRepository",
            20_000,
            0,
            (b, id) -> Peers.camelRedis(id)),
    /** Spring Integration's {@code RedisMetadataStore.putIfAbsent}: {@code HSETNX} per key. */
    SpringRedis(
            Backend.REDIS,
            Role.PEER,
            "Spring Integration RedisMetadataStore",
            20_000,
            0,
            (b, id) -> Peers.springRedis(id)),
    /** Apache Camel's {@code JdbcMessageIdRepository} on PostgreSQL, its table with a primary key. */
    CamelJdbcPostgres(Backend.POSTGRES, Role.PEER, "Camel JdbcMessageIdRepository", 3_000, 0, Peers::camelJdbc),
    /** Spring Integration's {@code JdbcMetadataStore.putIfAbsent} on PostgreSQL. */
    SpringJdbcPostgres(
            Backend.POSTGRES, Role.PEER, "Spring Integration JdbcMetadataStore", 3_000, 0, Peers::springJdbc),
    /** Apache Camel's {@code JdbcMessageIdRepository} on MariaDB, its table with a primary key. */
    CamelJdbcMariaDb(Backend.MARIADB, Role.PEER, "Camel JdbcMessageIdRepository", 3_000, 0, Peers::camelJdbc),
    /** Spring Integration's {@code JdbcMetadataStore.putIfAbsent} on MariaDB. */
    SpringJdbcMariaDb(Backend.MARIADB, Role.PEER, "Spring Integration JdbcMetadataStore", 3_000, 0, Peers::springJdbc);

    /** What a target is, relative to kdedup. */
    public enum Role {
        /** A kdedup store, opened by URI through the SPI. */
        STORE,
        /** The backend's own operation, without kdedup: it claims and has nothing to complete. */
        RAW,
        /** What users pick instead of kdedup, used one key per call as they use it. */
        PEER
    }

    /** Where a target keeps its keys. */
    public enum Backend {
        /** In this JVM. */
        MEMORY("memory"),
        /** Redis. */
        REDIS("redis"),
        /** PostgreSQL. */
        POSTGRES("postgres"),
        /** MariaDB. */
        MARIADB("mariadb");

        private final String key;

        Backend(String key) {
            this.key = key;
        }

        /** Returns the lower-case name used in store URIs and consumer modes, e.g. {@code redis}. */
        public String key() {
            return key;
        }

        /** Returns the JDBC URL of a SQL backend. */
        String jdbcUrl() {
            return switch (this) {
                case POSTGRES -> Services.postgresUrl();
                case MARIADB -> Services.mariadbUrl();
                default -> throw new IllegalStateException(this + " is not a SQL backend");
            };
        }
    }

    /** Opens a target of a backend under a random id. */
    @FunctionalInterface
    interface Opener {
        ClaimTarget<?> open(Backend backend, String id);
    }

    private final Backend backend;
    private final Role role;
    private final String description;
    private final double keysPerSecond;
    private final double callsPerSecond;
    private final Opener factory;

    Target(
            Backend backend,
            Role role,
            String description,
            double keysPerSecond,
            double callsPerSecond,
            Opener factory) {
        this.backend = backend;
        this.role = role;
        this.description = description;
        this.keysPerSecond = keysPerSecond;
        this.callsPerSecond = callsPerSecond;
        this.factory = factory;
    }

    /** Returns where this target keeps its keys. */
    public Backend backend() {
        return backend;
    }

    /** Returns whether this is a store, a raw baseline or a peer. */
    public Role role() {
        return role;
    }

    /** Returns a short description for reports, e.g. {@code raw pipelined SET NX PX}. */
    public String description() {
        return description;
    }

    /**
     * Returns a first guess of the keys claimed per second, to size the first key pool: the bulk
     * rate, or for targets with one round trip per call, the round trips times the batch size.
     *
     * @param batchSize keys per call
     * @return keys per second
     */
    double expectedRate(int batchSize) {
        return callsPerSecond > 0 ? Math.min(keysPerSecond, callsPerSecond * batchSize) : keysPerSecond;
    }

    /**
     * Opens this target under a random id, the target's namespace, key prefix and tables.
     *
     * @param id a random id from {@link Services#randomId()}
     * @return the open target; the caller closes it
     */
    ClaimTarget<?> open(String id) {
        return factory.open(backend, id);
    }

    /**
     * Returns the targets of some backends and roles, in declaration order.
     *
     * @param role the role
     * @param backends the backends; none means all
     * @return the targets
     */
    static List<Target> of(Role role, Backend... backends) {
        List<Backend> wanted = backends.length == 0 ? List.of(Backend.values()) : List.of(backends);
        return Arrays.stream(values())
                .filter(t -> t.role == role && wanted.contains(t.backend))
                .toList();
    }

    /**
     * Returns the target of a role on a backend: the store or its raw baseline.
     *
     * @param role {@link Role#STORE} or {@link Role#RAW}
     * @param backend the backend
     * @return the one target
     */
    static Target the(Role role, Backend backend) {
        List<Target> found = of(role, backend);
        if (found.size() != 1) {
            throw new IllegalArgumentException("expected one " + role + " target on " + backend + ", found " + found);
        }
        return found.get(0);
    }
}
