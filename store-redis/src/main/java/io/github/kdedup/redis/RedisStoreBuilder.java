package io.github.kdedup.redis;

import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.StoreUri;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.HostAndPort;

/**
 * Builds a {@link RedisIdempotencyStore}; get one from {@link RedisStores#builder()}. Setters reject
 * bad values at once, with the rule and the value; {@link #build()} connects. Not thread-safe; the
 * store it builds is. Null is accepted only where a parameter says so.
 */
public final class RedisStoreBuilder {

    /** The default number of connections per node. */
    public static final int DEFAULT_POOL_SIZE = 16;

    /** The default connect, read and pool-wait timeout: 2 seconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    /** The default longest wait for replicas, when {@link #waitForReplicas} is on: 100 ms. */
    public static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofMillis(100);

    /** The default prefix of every key. */
    public static final String DEFAULT_KEY_PREFIX = "kdedup";

    private static final Logger LOG = LoggerFactory.getLogger(RedisStoreBuilder.class);
    private static final Pattern KEY_PREFIX = Pattern.compile("[^{}\\s]{1,64}");

    private RedisEndpoint.Topology topology = RedisEndpoint.Topology.STANDALONE;
    private List<HostAndPort> nodes = List.of(new HostAndPort("localhost", 6379));
    private @Nullable String masterName;
    private @Nullable String sentinelUser;
    private @Nullable String sentinelPassword;
    private boolean ssl;
    private @Nullable String user;
    private @Nullable String password;
    private int database;
    private int poolSize = DEFAULT_POOL_SIZE;
    private Duration timeout = DEFAULT_TIMEOUT;
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private @Nullable Path caCert;
    private @Nullable Path trustStore;
    private @Nullable String trustStorePassword;
    private @Nullable Path clientCert;
    private @Nullable Path clientKey;
    private @Nullable Path keyStore;
    private @Nullable String keyStorePassword;
    private boolean verifyHostname = true;
    private @Nullable RedisDurability durability;

    RedisStoreBuilder() {}

    /**
     * Connects to one standalone server (the default is localhost:6379).
     *
     * @param host the host
     * @param port the port, 1 to 65535
     * @return this builder
     */
    public RedisStoreBuilder standalone(String host, int port) {
        this.topology = RedisEndpoint.Topology.STANDALONE;
        this.nodes = List.of(node(host, port));
        return this;
    }

    /**
     * Connects to a Redis Cluster through some of its nodes (the others are discovered).
     *
     * @param seeds {@code host:port} nodes, at least one
     * @return this builder
     */
    public RedisStoreBuilder cluster(List<HostAndPort> seeds) {
        this.nodes = nodes(seeds, "a cluster needs at least one seed node host:port");
        this.topology = RedisEndpoint.Topology.CLUSTER;
        return this;
    }

    /**
     * Connects to the master that Redis Sentinel names, and follows it through failovers.
     *
     * @param masterName the name the sentinels monitor the master under ({@code sentinel monitor <name>
     *     ...})
     * @param sentinels {@code host:port} of some sentinels (port 26379 by default), at least one
     * @return this builder
     */
    public RedisStoreBuilder sentinel(String masterName, List<HostAndPort> sentinels) {
        Objects.requireNonNull(masterName, "masterName");
        if (masterName.isBlank()) {
            throw new IllegalArgumentException(
                    "masterName must name the master the sentinels monitor (SENTINEL MASTERS lists them)");
        }
        this.nodes = nodes(sentinels, "Sentinel needs at least one sentinel host:port");
        this.masterName = masterName;
        this.topology = RedisEndpoint.Topology.SENTINEL;
        return this;
    }

    /**
     * Authenticates to the sentinels themselves, when they require it ({@code requirepass} in the
     * sentinel configuration); the master's credentials are {@link #credentials}.
     *
     * @param user the sentinels' ACL user, or {@code null}
     * @param password their password, or {@code null} for none; never logged
     * @return this builder
     */
    public RedisStoreBuilder sentinelCredentials(@Nullable String user, @Nullable String password) {
        this.sentinelUser = user == null || user.isEmpty() ? null : user;
        this.sentinelPassword = password == null || password.isEmpty() ? null : password;
        return this;
    }

    private static List<HostAndPort> nodes(List<HostAndPort> given, String whenEmpty) {
        if (given.isEmpty()) {
            throw new IllegalArgumentException(whenEmpty);
        }
        given.forEach(s -> node(s.getHost(), s.getPort()));
        return List.copyOf(given);
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
     * Uses TLS ({@code rediss://}), trusting the JVM's default CAs.
     *
     * @param ssl whether to use TLS; default false
     * @return this builder
     */
    public RedisStoreBuilder ssl(boolean ssl) {
        this.ssl = ssl;
        return this;
    }

    /**
     * Trusts the CA certificates of a PEM file instead of the JVM's default CAs (for a private CA).
     * Only with TLS.
     *
     * @param caCert the PEM file, one or more certificates; checked by {@link #build()}
     * @return this builder
     */
    public RedisStoreBuilder caCert(Path caCert) {
        this.caCert = Objects.requireNonNull(caCert, "caCert");
        return this;
    }

    /**
     * Trusts the certificates of a trust store instead of the JVM's default CAs. Only with TLS.
     *
     * @param trustStore a PKCS12 or JKS file; checked by {@link #build()}
     * @param password its password, or {@code null} for none; never logged
     * @return this builder
     */
    public RedisStoreBuilder trustStore(Path trustStore, @Nullable String password) {
        this.trustStore = Objects.requireNonNull(trustStore, "trustStore");
        this.trustStorePassword = password;
        return this;
    }

    /**
     * Presents a client certificate, for servers that require mutual TLS ({@code tls-auth-clients
     * yes}).
     *
     * @param certificate PEM file of the certificate (and its chain)
     * @param key PEM file of its unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY})
     * @return this builder
     */
    public RedisStoreBuilder clientCertificate(Path certificate, Path key) {
        this.clientCert = Objects.requireNonNull(certificate, "certificate");
        this.clientKey = Objects.requireNonNull(key, "key");
        return this;
    }

    /**
     * Presents the client key and certificate of a key store, for mutual TLS.
     *
     * @param keyStore a PKCS12 or JKS file; checked by {@link #build()}
     * @param password its password, also the key's, or {@code null} for none; never logged
     * @return this builder
     */
    public RedisStoreBuilder keyStore(Path keyStore, @Nullable String password) {
        this.keyStore = Objects.requireNonNull(keyStore, "keyStore");
        this.keyStorePassword = password;
        return this;
    }

    /**
     * Whether the server's certificate must name the host connected to (the host of the URI, or the
     * address a sentinel or cluster announces). Turn it off only for certificates without the right
     * names, such as servers reached by an IP address their certificate does not list; the CA is
     * still checked.
     *
     * @param verifyHostname default true
     * @return this builder
     */
    public RedisStoreBuilder verifyHostname(boolean verifyHostname) {
        this.verifyHostname = verifyHostname;
        return this;
    }

    /**
     * Authenticates with an ACL user or the default user.
     *
     * @param user the ACL user, or {@code null} for the default user
     * @param password the password, or {@code null} for none; never logged
     * @return this builder
     */
    public RedisStoreBuilder credentials(@Nullable String user, @Nullable String password) {
        this.user = user == null || user.isEmpty() ? null : user;
        this.password = password == null || password.isEmpty() ? null : password;
        return this;
    }

    /**
     * Selects a logical database of a standalone server.
     *
     * @param database 0 or more (0 to 15 on a default server); default 0; must be 0 in a cluster
     * @return this builder
     */
    public RedisStoreBuilder database(int database) {
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
    public RedisStoreBuilder poolSize(int poolSize) {
        if (poolSize < 1 || poolSize > 1024) {
            throw new IllegalArgumentException("poolSize must be between 1 and 1024, got " + poolSize);
        }
        this.poolSize = poolSize;
        return this;
    }

    /**
     * Sets the connect, read and pool-wait timeout, which bounds every store call.
     *
     * @param timeout 1 ms to 10 minutes; default 2 s
     * @return this builder
     */
    public RedisStoreBuilder timeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.toMillis() < 1 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("timeout must be between 1 ms and 10 minutes, got " + timeout);
        }
        this.timeout = timeout;
        return this;
    }

    /**
     * Makes every claim, completion and release wait ({@code WAIT}) until {@code replicas} replicas
     * acknowledged its writes, and fail with an {@link IdempotencyStoreException} when fewer did
     * within {@code timeout}. Off by default: Redis replicates asynchronously, so a failover can lose
     * the last acknowledged writes; this narrows that window at the cost of one replication round
     * trip per call. The writes of a failed call may still have happened. On a cluster every master
     * that a call wrote to must have {@code replicas} acknowledgements; a master that a call did not
     * touch is not asked.
     *
     * @param replicas 1 or more
     * @param timeout 1 ms or more, shorter than {@link #timeout}; {@link #DEFAULT_WAIT_TIMEOUT} is a
     *     fair start
     * @return this builder
     */
    public RedisStoreBuilder waitForReplicas(int replicas, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (replicas < 1) {
            throw new IllegalArgumentException("waitReplicas must be 1 or more, got " + replicas);
        }
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("waitTimeout must be at least 1 ms, got " + timeout);
        }
        this.durability = new RedisDurability(replicas, timeout);
        return this;
    }

    /**
     * Sets the prefix of every key, so that several applications or environments share a server.
     *
     * @param keyPrefix 1 to 64 characters without braces or whitespace; default {@value
     *     #DEFAULT_KEY_PREFIX}
     * @return this builder
     */
    public RedisStoreBuilder keyPrefix(String keyPrefix) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (!KEY_PREFIX.matcher(keyPrefix).matches()) {
            throw new IllegalArgumentException("keyPrefix must have 1 to 64 characters without braces or "
                    + "whitespace (braces would make a cluster hash tag), got '" + keyPrefix + "'");
        }
        this.keyPrefix = keyPrefix;
        return this;
    }

    /**
     * Connects and returns a new open store.
     *
     * @return the store
     * @throws IllegalArgumentException when a cluster is given a database other than 0, TLS files are
     *     given without TLS, or a TLS file is missing or not what its setting needs
     * @throws IdempotencyStoreException when a server cannot be reached or refuses the credentials
     */
    public RedisIdempotencyStore build() {
        if (topology == RedisEndpoint.Topology.CLUSTER && database != 0) {
            throw new IllegalArgumentException("Redis Cluster has only database 0, got " + database);
        }
        if (durability != null && durability.timeout().compareTo(timeout) >= 0) {
            throw new IllegalArgumentException("waitTimeout (" + durability.timeout() + ") must be shorter than "
                    + "timeout (" + timeout + "), or every wait would end in a socket timeout");
        }
        String description = "redis store (" + StoreUri.redact(uri()) + ")";
        RedisGateway gateway = RedisGateway.open(new RedisEndpoint(
                topology,
                nodes,
                masterName == null || topology != RedisEndpoint.Topology.SENTINEL
                        ? null
                        : new RedisEndpoint.Sentinel(masterName, sentinelUser, sentinelPassword),
                user,
                password,
                database,
                poolSize,
                timeout,
                tls(),
                durability,
                description));
        gateway.evictionWarning().ifPresent(warning -> LOG.warn("{}: {}", description, warning));
        return new RedisIdempotencyStore(gateway, keyPrefix);
    }

    /** The TLS set-up, or null for plain TCP; reads and checks the files now, before connecting. */
    private RedisEndpoint.@Nullable Tls tls() {
        boolean custom =
                caCert != null || trustStore != null || clientCert != null || keyStore != null || !verifyHostname;
        if (!ssl) {
            if (custom) {
                throw new IllegalArgumentException("caCert, trustStore, clientCert, keyStore and verifyHostname "
                        + "apply to TLS only: use rediss:// (or ssl=true for redis-cluster://)");
            }
            return null;
        }
        RedisTls tls = new RedisTls(
                caCert,
                trustStore,
                trustStorePassword,
                clientCert,
                clientKey,
                keyStore,
                keyStorePassword,
                verifyHostname);
        return new RedisEndpoint.Tls(tls.socketFactory(), tls.parameters());
    }

    /** The settings as a URI, password included: only ever passed through {@link StoreUri#redact}. */
    private String uri() {
        StringBuilder s = new StringBuilder(
                switch (topology) {
                    case CLUSTER -> "redis-cluster://";
                    case SENTINEL -> ssl ? "rediss-sentinel://" : "redis-sentinel://";
                    case STANDALONE -> ssl ? "rediss://" : "redis://";
                });
        if (user != null || password != null) {
            s.append(user == null ? "" : encode(user));
            if (password != null) {
                s.append(':').append(encode(password));
            }
            s.append('@');
        }
        for (int i = 0; i < nodes.size(); i++) {
            s.append(i == 0 ? "" : ",").append(nodes.get(i));
        }
        if (database != 0) {
            s.append('/').append(database);
        }
        String separator = "?";
        if (topology == RedisEndpoint.Topology.SENTINEL) {
            s.append(separator).append("masterName=").append(encode(String.valueOf(masterName)));
            separator = "&";
            if (sentinelPassword != null) {
                s.append(separator).append("sentinelPassword=").append(encode(sentinelPassword));
            }
        }
        if (!keyPrefix.equals(DEFAULT_KEY_PREFIX)) {
            s.append(separator).append("keyPrefix=").append(encode(keyPrefix));
            separator = "&";
        }
        if (ssl && topology == RedisEndpoint.Topology.CLUSTER) {
            s.append(separator).append("ssl=true");
            separator = "&";
        }
        if (durability != null) {
            s.append(separator).append("waitReplicas=").append(durability.replicas());
            separator = "&";
        }
        if (ssl && !verifyHostname) {
            s.append(separator).append("verifyHostname=false");
        }
        return s.toString();
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
