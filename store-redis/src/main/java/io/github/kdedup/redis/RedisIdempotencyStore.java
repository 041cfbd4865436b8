package io.github.kdedup.redis;

import io.github.kdedup.AbstractIdempotencyStore;
import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.ExistingRecord;
import io.github.kdedup.FencingTokens;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.StoreCapabilities;
import io.github.kdedup.StoredRecord;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.Pool;

/**
 * An {@link io.github.kdedup.IdempotencyStore} on Redis 7+ (standalone, or Redis Cluster) through
 * Jedis. Records are shared by every store opened on the same server and key prefix.
 *
 * <h2>Storage algorithm</h2>
 *
 * <ol>
 *   <li>Each (namespace, key) is one Redis string key, {@code <prefix>:<namespace>:<key>}, with the
 *       parts escaped (see {@code RedisRecords}): no brace survives, so in a cluster every key is
 *       hashed on its own and a batch spreads over all masters. A hash tag on the namespace would put
 *       a whole consumer group on one slot, one node: a hot spot that no resharding can split. The
 *       price of per-key hashing is that a batch touches every node; Jedis's cluster pipeline groups
 *       the commands by node, so a batch still costs one round trip per node, in parallel.
 *   <li>The value is a compact record, {@code 1|I|orders|3|1042|<token>|<owner>|<fingerprint>}
 *       (version, state I/C, origin topic, partition, offset, token, owner, fingerprint; {@code %}
 *       and {@code |} escaped in text fields). Expiry is the key's TTL: an expired record is simply
 *       absent, and only the server's clock decides.
 *   <li>{@code claim}: the client draws a new token ({@link FencingTokens}) per request and pipelines
 *       {@code SET key <in-progress record> NX PX <lease> GET} for the whole batch: one round trip
 *       (per node). A nil reply means the key was absent and is now claimed: CLAIMED. A record in the
 *       reply was there at that instant and was left alone: COMPLETED, or IN_PROGRESS of another
 *       origin, is a DUPLICATE of it.
 *   <li>Only an IN_PROGRESS record of the request's own origin (an abandoned attempt) goes on to the
 *       {@code RECLAIM} script, pipelined for those keys: atomically it re-reads the key, and
 *       <ul>
 *         <li>finds it gone (expired or released since): writes the new record, CLAIMED;
 *         <li>finds it still in progress with the same origin (whatever its token): replaces it,
 *             RECLAIMED, reporting the record it replaced, whose token is now fenced;
 *         <li>finds anything else (completed meanwhile, or claimed by another origin): DUPLICATE of
 *             what it found.
 *       </ul>
 *       Every answer is therefore what one atomic step saw; none is guessed.
 *   <li>{@code complete} and {@code release} pipeline one {@code COMPLETE} / {@code RELEASE} script
 *       call per key: each checks atomically that the record is IN_PROGRESS under the claim's token,
 *       then rewrites it as COMPLETED with {@code PX <retention>}, or deletes it.
 *   <li>Scripts run by {@code EVALSHA}; a {@code NOSCRIPT} reply (a restarted or failed-over server,
 *       {@code SCRIPT FLUSH}) means the script did not run, so only those keys are sent again with
 *       {@code EVAL}, which also caches the script.
 *   <li>{@code find} runs the {@code FIND} script: the value, its {@code PTTL} and the server's
 *       {@code TIME}, read atomically on the key's node, give {@code expiresAt} by the server's
 *       clock.
 *   <li>At start the store pings every node and reads {@code maxmemory-policy}: a policy that may
 *       evict these keys (anything but {@code noeviction}; see {@link #evictionWarning()}) is logged at WARN, since an evicted key is a forgotten event, processed
 *       again. {@code CONFIG} being disabled is tolerated.
 * </ol>
 *
 * <p>Failures (connection refused, timeout, authentication, {@code OOM}, {@code READONLY}, a lost
 * cluster node) become {@link IdempotencyStoreException}s that name the server by its redacted URI
 * and what to check. A pipeline that failed may have claimed some keys: those claims expire with
 * their lease, or are reclaimed by the next claim of the same origin.
 *
 * <p>Thread-safe: each batch borrows a connection (per node) from the pool for its pipeline.
 */
public final class RedisIdempotencyStore extends AbstractIdempotencyStore {

    /** The default number of connections per node. */
    public static final int DEFAULT_POOL_SIZE = 16;

    /** The default connect and socket timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    /** The default prefix of every key. */
    public static final String DEFAULT_KEY_PREFIX = "kdedup";

    /**
     * The largest batch sent as one pipeline: 10,000 commands of about 150 bytes keep one exchange
     * near 1.5 MB each way, well under Redis's client buffer limits, while a Kafka poll
     * ({@code max.poll.records}, 500 by default) always fits.
     */
    public static final int MAX_BATCH_SIZE = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(RedisIdempotencyStore.class);
    private static final Set<String> SAFE_POLICIES = Set.of("noeviction");

    private final UnifiedJedis client;
    private final String keyPrefix;
    private final String description;
    private final Duration timeout;
    private final @Nullable String evictionWarning;

    private RedisIdempotencyStore(Builder builder) {
        this.keyPrefix = builder.keyPrefix;
        this.timeout = builder.timeout;
        this.description = "redis store (" + builder.redactedUri() + ")";
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) builder.timeout.toMillis())
                .socketTimeoutMillis((int) builder.timeout.toMillis())
                .ssl(builder.ssl)
                .clientName("kdedup");
        if (builder.user != null) {
            config.user(builder.user);
        }
        if (builder.password != null) {
            config.password(builder.password);
        }
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(builder.poolSize);
        pool.setMaxIdle(builder.poolSize);
        pool.setMaxWait(builder.timeout);
        pool.setTestOnBorrow(false);
        UnifiedJedis opened;
        try {
            if (builder.cluster) {
                opened = RedisClusterClient.builder()
                        .nodes(new LinkedHashSet<>(builder.nodes))
                        .clientConfig(config.build())
                        .poolConfig(pool)
                        .maxAttempts(2)
                        .maxTotalRetriesDuration(builder.timeout.multipliedBy(2))
                        .build();
            } else {
                config.database(builder.database);
                opened = RedisClient.builder()
                        .hostAndPort(builder.nodes.get(0))
                        .clientConfig(config.build())
                        .poolConfig(pool)
                        .build();
            }
        } catch (RuntimeException e) {
            throw translate("open", e);
        }
        this.client = opened;
        try {
            this.evictionWarning = checkServers();
        } catch (RuntimeException e) {
            client.close();
            throw translate("open", e);
        }
        if (evictionWarning != null) {
            LOG.warn("{}: {}", description, evictionWarning);
        }
    }

    /** Returns a builder for a standalone server on localhost:6379, with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens a store from a URI (see {@link RedisStoreProvider} for the forms and parameters).
     *
     * @param uri a {@code redis://}, {@code rediss://} or {@code redis-cluster://} URI
     * @return the open store
     * @throws IllegalArgumentException when the URI is malformed
     * @throws IdempotencyStoreException when the server cannot be reached
     */
    public static RedisIdempotencyStore open(String uri) {
        return RedisUris.toBuilder(io.github.kdedup.StoreUri.parse(uri)).build();
    }

    /**
     * Returns the warning logged at start when a node's {@code maxmemory-policy} may evict these keys,
     * or empty when every node answered {@code noeviction} or CONFIG could not be read.
     */
    public Optional<String> evictionWarning() {
        return Optional.ofNullable(evictionWarning);
    }

    private @Nullable String checkServers() {
        Map<String, Pool<Connection>> pools = new java.util.LinkedHashMap<>();
        if (client instanceof RedisClusterClient cluster) {
            pools.putAll(cluster.getClusterNodes());
        } else {
            pools.put("the server", ((RedisClient) client).getPool());
        }
        List<String> risky = new ArrayList<>();
        for (Map.Entry<String, Pool<Connection>> node : pools.entrySet()) {
            try (Connection connection = node.getValue().getResource()) {
                Jedis jedis = new Jedis(connection);
                jedis.ping();
                String policy = policy(jedis);
                if (policy != null && !SAFE_POLICIES.contains(policy)) {
                    risky.add(node.getKey() + " has maxmemory-policy " + policy);
                }
            }
        }
        if (risky.isEmpty()) {
            return null;
        }
        return String.join("; ", risky)
                + ": Redis may evict kdedup keys under memory pressure, and an evicted key is a forgotten event "
                + "that will be processed again. Set maxmemory-policy noeviction (writes then fail loudly "
                + "instead) or give kdedup a dedicated instance.";
    }

    private @Nullable String policy(Jedis node) {
        try {
            Map<String, String> answer = node.configGet("maxmemory-policy");
            String policy = answer.get("maxmemory-policy");
            return policy == null ? null : policy.toLowerCase(Locale.ROOT);
        } catch (JedisDataException e) {
            // CONFIG is often renamed or disabled on managed services: the check is advice, not a gate.
            LOG.debug("{}: cannot read maxmemory-policy ({}); make sure it is noeviction", description, e.getMessage());
            return null;
        }
    }

    @Override
    protected List<ClaimResult> doClaim(List<ClaimRequest> requests) {
        int size = requests.size();
        String[] keys = new String[size];
        String[] tokens = new String[size];
        String[] values = new String[size];
        List<Response<String>> replies = new ArrayList<>(size);
        try (AbstractPipeline pipeline = client.pipelined()) {
            for (int i = 0; i < size; i++) {
                ClaimRequest request = requests.get(i);
                keys[i] = RedisRecords.key(keyPrefix, request.namespace(), request.key());
                tokens[i] = FencingTokens.next();
                values[i] = RedisRecords.inProgress(request, tokens[i]);
                replies.add(pipeline.setGet(
                        keys[i],
                        values[i],
                        SetParams.setParams().nx().px(request.lease().toMillis())));
            }
            pipeline.sync();
        } catch (RuntimeException e) {
            throw translate("claim of " + size + " keys", e);
        }
        ClaimResult[] results = new ClaimResult[size];
        List<Integer> reclaims = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ClaimRequest request = requests.get(i);
            String previous = reply(replies.get(i), "claim of " + size + " keys");
            if (previous == null) {
                results[i] = ClaimResult.claimed(request, tokens[i]);
                continue;
            }
            RedisRecords.Decoded found = decode(previous, keys[i]);
            if (found.state() == ClaimState.IN_PROGRESS && found.origin().equals(request.origin())) {
                reclaims.add(i);
            } else {
                results[i] = ClaimResult.duplicate(request, existing(found));
            }
        }
        if (!reclaims.isEmpty()) {
            List<Object> answers = scripts(
                    RedisScripts.RECLAIM,
                    reclaims,
                    i -> keys[i],
                    i -> List.of(
                            RedisRecords.inProgressPrefix(requests.get(i).origin()),
                            values[i],
                            Long.toString(requests.get(i).lease().toMillis())),
                    "reclaim of " + reclaims.size() + " keys");
            for (int j = 0; j < reclaims.size(); j++) {
                int i = reclaims.get(j);
                List<?> answer = (List<?>) answers.get(j);
                String verdict = String.valueOf(answer.get(0));
                results[i] = switch (verdict) {
                    case "C" -> ClaimResult.claimed(requests.get(i), tokens[i]);
                    case "R" ->
                        ClaimResult.reclaimed(
                                requests.get(i), tokens[i], existing(decode(String.valueOf(answer.get(1)), keys[i])));
                    default ->
                        ClaimResult.duplicate(
                                requests.get(i), existing(decode(String.valueOf(answer.get(1)), keys[i])));
                };
            }
        }
        return Arrays.asList(results);
    }

    @Override
    protected List<Boolean> doComplete(List<Claim> claims, Duration retention) {
        String millis = Long.toString(retention.toMillis());
        return fenced(
                RedisScripts.COMPLETE, claims, c -> List.of(RedisRecords.escapedField(c.token()), millis), "complete");
    }

    @Override
    protected List<Boolean> doRelease(List<Claim> claims) {
        return fenced(RedisScripts.RELEASE, claims, c -> List.of(RedisRecords.escapedField(c.token())), "release");
    }

    private List<Boolean> fenced(
            RedisScripts script, List<Claim> claims, Function<Claim, List<String>> args, String operation) {
        List<Integer> indexes = new ArrayList<>(claims.size());
        for (int i = 0; i < claims.size(); i++) {
            indexes.add(i);
        }
        List<Object> answers = scripts(
                script,
                indexes,
                i -> RedisRecords.key(
                        keyPrefix, claims.get(i).namespace(), claims.get(i).key()),
                i -> args.apply(claims.get(i)),
                operation + " of " + claims.size() + " keys");
        List<Boolean> result = new ArrayList<>(answers.size());
        for (Object answer : answers) {
            result.add(answer instanceof Long n && n == 1L);
        }
        return result;
    }

    @Override
    protected Optional<StoredRecord> doFind(String namespace, String key) {
        String redisKey = RedisRecords.key(keyPrefix, namespace, key);
        Object answer = scripts(RedisScripts.FIND, List.of(0), i -> redisKey, i -> List.of(), "find")
                .get(0);
        if (!(answer instanceof List<?> parts) || parts.size() < 4) {
            return Optional.empty();
        }
        RedisRecords.Decoded found = decode(String.valueOf(parts.get(0)), redisKey);
        long pttl = ((Number) parts.get(1)).longValue();
        Instant serverNow = Instant.ofEpochSecond(
                Long.parseLong(String.valueOf(parts.get(2))), Long.parseLong(String.valueOf(parts.get(3))) * 1000L);
        if (pttl < 0) {
            // -1 cannot happen for keys this store wrote; report "now" rather than invent a lifetime.
            pttl = 0;
        }
        return Optional.of(new StoredRecord(
                namespace,
                key,
                found.state(),
                found.token(),
                found.owner(),
                found.origin(),
                found.fingerprint(),
                serverNow.plusMillis(pttl)));
    }

    /**
     * Runs one script per index in one pipeline by EVALSHA, then sends again by EVAL only those that
     * answered NOSCRIPT (they did not run).
     */
    private List<Object> scripts(
            RedisScripts script,
            List<Integer> indexes,
            Function<Integer, String> key,
            Function<Integer, List<String>> args,
            String operation) {
        Object[] answers = new Object[indexes.size()];
        List<Integer> missing = runScripts(script, indexes, key, args, operation, false, answers);
        if (!missing.isEmpty()) {
            List<Integer> again = new ArrayList<>(missing.size());
            missing.forEach(j -> again.add(indexes.get(j)));
            Object[] second = new Object[again.size()];
            runScripts(script, again, key, args, operation, true, second);
            for (int j = 0; j < missing.size(); j++) {
                answers[missing.get(j)] = second[j];
            }
        }
        return Arrays.asList(answers);
    }

    private List<Integer> runScripts(
            RedisScripts script,
            List<Integer> indexes,
            Function<Integer, String> key,
            Function<Integer, List<String>> args,
            String operation,
            boolean full,
            Object[] answers) {
        List<Response<Object>> replies = new ArrayList<>(indexes.size());
        try (AbstractPipeline pipeline = client.pipelined()) {
            for (int i : indexes) {
                List<String> keys = List.of(key.apply(i));
                replies.add(
                        full
                                ? pipeline.eval(script.text, keys, args.apply(i))
                                : pipeline.evalsha(script.sha, keys, args.apply(i)));
            }
            pipeline.sync();
        } catch (RuntimeException e) {
            throw translate(operation, e);
        }
        List<Integer> missing = new ArrayList<>();
        for (int j = 0; j < replies.size(); j++) {
            try {
                answers[j] = replies.get(j).get();
            } catch (JedisNoScriptException e) {
                if (full) {
                    throw translate(operation, e);
                }
                missing.add(j);
            } catch (RuntimeException e) {
                throw translate(operation, e);
            }
        }
        return missing;
    }

    private @Nullable String reply(Response<String> response, String operation) {
        try {
            return response.get();
        } catch (RuntimeException e) {
            throw translate(operation, e);
        }
    }

    private RedisRecords.Decoded decode(String value, String redisKey) {
        try {
            return RedisRecords.decode(value);
        } catch (RuntimeException e) {
            throw new IdempotencyStoreException(
                    description, "decoding key " + redisKey, String.valueOf(e.getMessage()), e);
        }
    }

    private static ExistingRecord existing(RedisRecords.Decoded found) {
        return new ExistingRecord(found.state(), found.origin(), found.owner(), found.fingerprint());
    }

    /** Turns a Jedis failure into the store exception, saying what to check. Never includes a password. */
    private IdempotencyStoreException translate(String operation, RuntimeException e) {
        if (e instanceof IdempotencyStoreException store) {
            return store;
        }
        String message = String.valueOf(e.getMessage());
        String upper = message.toUpperCase(Locale.ROOT);
        String detail;
        if (e instanceof JedisAccessControlException
                || upper.startsWith("WRONGPASS")
                || upper.startsWith("NOAUTH")
                || upper.contains("INVALID PASSWORD")
                || upper.contains("INVALID USERNAME-PASSWORD")) {
            detail = "authentication failed (" + firstLine(message)
                    + "): check the user and password of the store URI (not shown here) and the server's ACL";
        } else if (upper.startsWith("OOM")) {
            detail = "Redis is out of memory and refuses writes (" + firstLine(message)
                    + "): raise maxmemory, shorten the retention, or give kdedup a dedicated instance";
        } else if (upper.startsWith("READONLY")) {
            detail = "the server is a read-only replica (" + firstLine(message)
                    + "): point the URI at the master, or wait for the failover to finish";
        } else if (has(e, SocketTimeoutException.class)) {
            detail = "timed out after " + timeout.toMillis() + " ms: check that the server is not overloaded or "
                    + "paused, the network, or raise the timeout parameter";
        } else if (has(e, ConnectException.class)) {
            detail = "connection refused: check that Redis runs at the host and port of the URI and that "
                    + "nothing blocks the port (" + firstLine(message) + ")";
        } else if (has(e, UnknownHostException.class)) {
            detail = "unknown host: check the host name in the URI (" + firstLine(message) + ")";
        } else if (e instanceof JedisConnectionException) {
            detail = "lost the connection (" + firstLine(message) + "): check that the server is up and reachable";
        } else if (e instanceof JedisClusterOperationException) {
            detail = "the cluster could not answer (" + firstLine(message)
                    + "): check that every master is up and all slots are covered (CLUSTER INFO)";
        } else if (e instanceof IllegalStateException && client instanceof RedisClusterClient) {
            detail = "a cluster node did not answer the pipeline: check that every master is up (CLUSTER INFO)";
        } else if (upper.contains("COULD NOT GET A RESOURCE")) {
            detail = "no connection available (" + firstLine(message)
                    + "): the server is unreachable, or raise poolSize";
        } else {
            detail = firstLine(message);
        }
        return new IdempotencyStoreException(description, operation, detail, e);
    }

    private static boolean has(@Nullable Throwable e, Class<? extends IOException> type) {
        // Jedis keeps the failure of each resolved address as a suppressed exception.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (has(suppressed, type)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    @Override
    protected void doClose() {
        client.close();
    }

    @Override
    public StoreCapabilities capabilities() {
        return new StoreCapabilities(MAX_BATCH_SIZE, true);
    }

    @Override
    public String description() {
        return description;
    }

    /**
     * Builds a {@link RedisIdempotencyStore}. Not thread-safe; the store it builds is. Setters reject
     * bad values at once; {@link #build()} connects.
     */
    public static final class Builder {
        private boolean cluster;
        private List<HostAndPort> nodes = List.of(new HostAndPort("localhost", 6379));
        private boolean ssl;
        private @Nullable String user;
        private @Nullable String password;
        private int database;
        private int poolSize = DEFAULT_POOL_SIZE;
        private Duration timeout = DEFAULT_TIMEOUT;
        private String keyPrefix = DEFAULT_KEY_PREFIX;

        private Builder() {}

        /**
         * Connects to one standalone server.
         *
         * @param host the host
         * @param port the port, 1 to 65535
         * @return this builder
         */
        public Builder standalone(String host, int port) {
            this.cluster = false;
            this.nodes = List.of(node(host, port));
            return this;
        }

        /**
         * Connects to a Redis Cluster through some of its nodes (the others are discovered).
         *
         * @param seeds {@code host:port} nodes, at least one
         * @return this builder
         */
        public Builder cluster(List<HostAndPort> seeds) {
            if (seeds.isEmpty()) {
                throw new IllegalArgumentException("a cluster needs at least one seed node host:port");
            }
            seeds.forEach(s -> node(s.getHost(), s.getPort()));
            this.cluster = true;
            this.nodes = List.copyOf(seeds);
            return this;
        }

        private static HostAndPort node(String host, int port) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("the Redis host must not be empty");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("the Redis port must be between 1 and 65535, got " + port);
            }
            return new HostAndPort(host, port);
        }

        /**
         * Uses TLS ({@code rediss://}).
         *
         * @param ssl whether to use TLS; default false
         * @return this builder
         */
        public Builder ssl(boolean ssl) {
            this.ssl = ssl;
            return this;
        }

        /**
         * Authenticates with an ACL user or the default user.
         *
         * @param user the ACL user, or {@code null} for the default user
         * @param password the password, or {@code null} for none; never logged
         * @return this builder
         */
        public Builder credentials(@Nullable String user, @Nullable String password) {
            this.user = user == null || user.isEmpty() ? null : user;
            this.password = password == null || password.isEmpty() ? null : password;
            return this;
        }

        /**
         * Selects a logical database of a standalone server.
         *
         * @param database 0 to 15 on a default server; default 0; must be 0 in a cluster
         * @return this builder
         */
        public Builder database(int database) {
            if (database < 0) {
                throw new IllegalArgumentException("database must be >= 0, got " + database);
            }
            this.database = database;
            return this;
        }

        /**
         * Sets the connections per node.
         *
         * @param poolSize 1 to 1024; default {@value #DEFAULT_POOL_SIZE}
         * @return this builder
         */
        public Builder poolSize(int poolSize) {
            if (poolSize < 1 || poolSize > 1024) {
                throw new IllegalArgumentException("poolSize must be between 1 and 1024, got " + poolSize);
            }
            this.poolSize = poolSize;
            return this;
        }

        /**
         * Sets the connect, read and pool-wait timeout.
         *
         * @param timeout 1 ms to 10 minutes; default 2 s
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toMillis() < 1 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("timeout must be between 1 ms and 10 minutes, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Sets the prefix of every key, so that several applications or environments share a server.
         *
         * @param keyPrefix 1 to 64 characters without braces or whitespace; default {@value
         *     #DEFAULT_KEY_PREFIX}
         * @return this builder
         */
        public Builder keyPrefix(String keyPrefix) {
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (keyPrefix.isEmpty() || keyPrefix.length() > 64 || !keyPrefix.matches("[^{}\\s]+")) {
                throw new IllegalArgumentException("keyPrefix must have 1 to 64 characters without braces or "
                        + "whitespace (braces would make a cluster hash tag), got '" + keyPrefix + "'");
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        String redactedUri() {
            StringBuilder s = new StringBuilder(cluster ? "redis-cluster://" : ssl ? "rediss://" : "redis://");
            if (user != null || password != null) {
                s.append(user == null ? "" : user)
                        .append(password == null ? "" : ":****")
                        .append('@');
            }
            for (int i = 0; i < nodes.size(); i++) {
                s.append(i == 0 ? "" : ",")
                        .append(nodes.get(i).getHost())
                        .append(':')
                        .append(nodes.get(i).getPort());
            }
            if (!cluster && database != 0) {
                s.append('/').append(database);
            }
            if (!keyPrefix.equals(DEFAULT_KEY_PREFIX)) {
                s.append("?keyPrefix=").append(keyPrefix);
            }
            return s.toString();
        }

        /**
         * Connects and returns a new open store.
         *
         * @return the store
         * @throws IllegalArgumentException when a cluster is given a database other than 0
         * @throws IdempotencyStoreException when the server cannot be reached or refuses the credentials
         */
        public RedisIdempotencyStore build() {
            if (cluster && database != 0) {
                throw new IllegalArgumentException("Redis Cluster has only database 0, got " + database);
            }
            return new RedisIdempotencyStore(this);
        }
    }
}
