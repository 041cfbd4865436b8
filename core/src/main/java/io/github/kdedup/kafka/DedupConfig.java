package io.github.kdedup.kafka;

import io.github.kdedup.AbstractIdempotencyStore;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.IdempotencyKeys;
import io.github.kdedup.StoreUri;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.jspecify.annotations.Nullable;

/**
 * The settings of the Kafka integration, shared by {@link DedupConsumerInterceptor} (which reads them
 * from consumer properties) and {@link DedupProcessor} (properties or {@link #builder()}). Immutable
 * and thread-safe.
 *
 * <table>
 *   <caption>properties</caption>
 *   <tr><th>property</th><th>builder</th><th>default</th></tr>
 *   <tr><td>{@code kdedup.store}</td><td>{@link Builder#store}</td><td>required (a URI: {@code memory:},
 *       {@code redis://host:6379}, {@code jdbc:postgresql://host/db}, ...)</td></tr>
 *   <tr><td>{@code kdedup.key}</td><td>{@link Builder#keyExtractor}</td><td>{@code header:event-id}
 *       (also {@code record-key}, {@code json:/pointer}, {@code topic-partition-offset})</td></tr>
 *   <tr><td>{@code kdedup.namespace}</td><td>{@link Builder#namespace}</td><td>the consumer's
 *       {@code group.id}</td></tr>
 *   <tr><td>{@code kdedup.lease}</td><td>{@link Builder#lease}</td><td>{@code PT5M}</td></tr>
 *   <tr><td>{@code kdedup.retention}</td><td>{@link Builder#retention}</td><td>{@code P7D}; never
 *       shorter than the lease</td></tr>
 *   <tr><td>{@code kdedup.fingerprint}</td><td>{@link Builder#fingerprinter}</td><td>{@code none}
 *       (also {@code value-sha256}, {@code json-sha256:/pointer})</td></tr>
 *   <tr><td>{@code kdedup.key.hash-long-keys}</td><td>{@link Builder#hashLongKeys}</td><td>{@code
 *       false}: a key over 512 UTF-8 bytes is unreadable; {@code true}: it is replaced by its
 *       SHA-256</td></tr>
 *   <tr><td>{@code kdedup.on-missing-key}</td><td>{@link Builder#onMissingKey}</td><td>{@code
 *       process} (also {@code skip}, {@code fail})</td></tr>
 *   <tr><td>{@code kdedup.on-store-unavailable}</td><td>{@link Builder#onStoreUnavailable}</td>
 *       <td>{@code fail} (also {@code pass-through})</td></tr>
 *   <tr><td>{@code kdedup.on-fingerprint-mismatch}</td><td>{@link Builder#onFingerprintMismatch}</td>
 *       <td>{@code drop} (also {@code process}, {@code fail})</td></tr>
 *   <tr><td>{@code kdedup.completion}</td><td>{@link Builder#completion}</td><td>{@code
 *       per-record} (also {@code per-batch}); read by the {@link DedupProcessor} only: the
 *       interceptor always completes at commit</td></tr>
 *   <tr><td>{@code kdedup.metrics}</td><td>{@link Builder#metrics}</td><td>{@code none}; {@code
 *       global} records into Micrometer's {@code Metrics.globalRegistry}</td></tr>
 *   <tr><td>{@code kdedup.listener}</td><td>{@link Builder#listener}</td><td>none; a {@link
 *       DedupListener} class name</td></tr>
 * </table>
 *
 * <p>Any other {@code kdedup.*} property is an error, so a typo never goes unnoticed.
 */
public final class DedupConfig {

    /** The prefix of every property. */
    public static final String PREFIX = "kdedup.";

    /** {@code kdedup.store}: the store URI. */
    public static final String STORE = "kdedup.store";
    /** {@code kdedup.key}: the key extractor. */
    public static final String KEY = "kdedup.key";
    /** {@code kdedup.namespace}: the namespace; default the {@code group.id}. */
    public static final String NAMESPACE = "kdedup.namespace";
    /** {@code kdedup.lease}: ISO-8601 duration. */
    public static final String LEASE = "kdedup.lease";
    /** {@code kdedup.retention}: ISO-8601 duration. */
    public static final String RETENTION = "kdedup.retention";
    /** {@code kdedup.fingerprint}. */
    public static final String FINGERPRINT = "kdedup.fingerprint";
    /** {@code kdedup.key.hash-long-keys}. */
    public static final String HASH_LONG_KEYS = "kdedup.key.hash-long-keys";
    /** {@code kdedup.on-missing-key}. */
    public static final String ON_MISSING_KEY = "kdedup.on-missing-key";
    /** {@code kdedup.on-store-unavailable}. */
    public static final String ON_STORE_UNAVAILABLE = "kdedup.on-store-unavailable";
    /** {@code kdedup.on-fingerprint-mismatch}. */
    public static final String ON_FINGERPRINT_MISMATCH = "kdedup.on-fingerprint-mismatch";

    /** The property of {@link Builder#completion}. */
    public static final String COMPLETION = "kdedup.completion";
    /** {@code kdedup.metrics}: {@code none} or {@code global}. */
    public static final String METRICS = "kdedup.metrics";
    /** {@code kdedup.listener}: a {@link DedupListener} class. */
    public static final String LISTENER = "kdedup.listener";

    /** The default lease: 5 minutes. */
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);
    /** The default retention: 7 days. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

    private static final ConfigDef DEFINITION = new ConfigDef()
            .define(
                    STORE,
                    Type.STRING,
                    ConfigDef.NO_DEFAULT_VALUE,
                    new StoreValidator(),
                    Importance.HIGH,
                    "The store URI, such as memory:, redis://host:6379 or jdbc:postgresql://host/db.")
            .define(
                    KEY,
                    Type.STRING,
                    "header:" + KeyExtractor.DEFAULT_HEADER,
                    parsed(KeyExtractor::parse),
                    Importance.HIGH,
                    "header:NAME, record-key, json:/pointer or topic-partition-offset.")
            .define(NAMESPACE, Type.STRING, null, Importance.MEDIUM, "The namespace; default the group.id.")
            .define(
                    LEASE,
                    Type.STRING,
                    DEFAULT_LEASE.toString(),
                    parsed(DedupConfig::lease),
                    Importance.MEDIUM,
                    "How long an in-progress claim protects its key (ISO-8601).")
            .define(
                    RETENTION,
                    Type.STRING,
                    DEFAULT_RETENTION.toString(),
                    parsed(DedupConfig::retention),
                    Importance.MEDIUM,
                    "How long a completed key is remembered (ISO-8601).")
            .define(
                    FINGERPRINT,
                    Type.STRING,
                    "none",
                    parsed(Fingerprinter::parse),
                    Importance.LOW,
                    "none, value-sha256 or json-sha256:/pointer.")
            .define(
                    HASH_LONG_KEYS,
                    Type.BOOLEAN,
                    false,
                    Importance.LOW,
                    "Replace keys over 512 UTF-8 bytes by their SHA-256.")
            .define(
                    ON_MISSING_KEY,
                    Type.STRING,
                    "process",
                    ConfigDef.CaseInsensitiveValidString.in("process", "skip", "fail"),
                    Importance.MEDIUM,
                    "When a key is missing or unreadable.")
            .define(
                    ON_STORE_UNAVAILABLE,
                    Type.STRING,
                    "fail",
                    ConfigDef.CaseInsensitiveValidString.in("fail", "pass-through"),
                    Importance.MEDIUM,
                    "When the store cannot answer.")
            .define(
                    ON_FINGERPRINT_MISMATCH,
                    Type.STRING,
                    "drop",
                    ConfigDef.CaseInsensitiveValidString.in("drop", "process", "fail"),
                    Importance.LOW,
                    "When a duplicate's fingerprint differs.")
            .define(
                    COMPLETION,
                    Type.STRING,
                    "per-record",
                    ConfigDef.CaseInsensitiveValidString.in("per-record", "per-batch"),
                    Importance.LOW,
                    "When the record processor completes claims.")
            .define(
                    METRICS,
                    Type.STRING,
                    "none",
                    ConfigDef.CaseInsensitiveValidString.in("none", "global"),
                    Importance.LOW,
                    "global: Micrometer's Metrics.globalRegistry.")
            .define(LISTENER, Type.CLASS, null, Importance.LOW, "A DedupListener class.");

    private final @Nullable String store;
    private final KeyExtractor keyExtractor;
    private final @Nullable String namespace;
    private final Duration lease;
    private final Duration retention;
    private final Fingerprinter fingerprinter;
    private final boolean hashLongKeys;
    private final MissingKeyPolicy onMissingKey;
    private final StoreUnavailablePolicy onStoreUnavailable;
    private final FingerprintMismatchPolicy onFingerprintMismatch;
    private final CompletionMode completion;
    private final DedupMetrics metrics;
    private final @Nullable DedupListener listener;

    private DedupConfig(Builder b) {
        this.store = b.store;
        this.keyExtractor = b.keyExtractor;
        this.namespace = b.namespace;
        this.lease = b.lease;
        this.retention = b.retention;
        this.fingerprinter = b.fingerprinter;
        this.hashLongKeys = b.hashLongKeys;
        this.onMissingKey = b.onMissingKey;
        this.onStoreUnavailable = b.onStoreUnavailable;
        this.onFingerprintMismatch = b.onFingerprintMismatch;
        this.completion = b.completion;
        this.metrics = b.metrics;
        this.listener = b.listener;
        if (retention.compareTo(lease) < 0) {
            throw new ConfigException(RETENTION + " (" + retention + ") must not be shorter than " + LEASE + " ("
                    + lease + "): a completed key must be remembered at least as long as a claim protects it");
        }
    }

    /** Returns a builder with the defaults above and no store. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the {@code kdedup.*} properties of a consumer configuration; other properties are ignored,
     * except {@code group.id}, the default namespace.
     *
     * @param properties consumer properties
     * @return the settings
     * @throws ConfigException when a {@code kdedup.*} property is unknown, missing or bad; the message
     *     names the property and the accepted values
     */
    public static DedupConfig fromProperties(Map<String, ?> properties) {
        TreeSet<String> unknown = new TreeSet<>();
        for (Object name : properties.keySet()) {
            String key = String.valueOf(name);
            if (key.startsWith(PREFIX) && !DEFINITION.names().contains(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException("unknown kdedup propert" + (unknown.size() == 1 ? "y " : "ies ") + unknown
                    + "; known properties: " + new TreeSet<>(DEFINITION.names()));
        }
        Map<String, Object> values = DEFINITION.parse(properties);
        Builder b = builder()
                .store((String) values.get(STORE))
                .keyExtractor(KeyExtractor.parse((String) values.get(KEY)))
                .lease(lease((String) values.get(LEASE)))
                .retention(retention((String) values.get(RETENTION)))
                .fingerprinter(Fingerprinter.parse((String) values.get(FINGERPRINT)))
                .hashLongKeys((Boolean) values.get(HASH_LONG_KEYS))
                .onMissingKey(MissingKeyPolicy.valueOf(constant(values.get(ON_MISSING_KEY))))
                .onStoreUnavailable(StoreUnavailablePolicy.valueOf(constant(values.get(ON_STORE_UNAVAILABLE))))
                .onFingerprintMismatch(FingerprintMismatchPolicy.valueOf(constant(values.get(ON_FINGERPRINT_MISMATCH))))
                .completion(CompletionMode.valueOf(constant(values.get(COMPLETION))));
        Object namespace = values.get(NAMESPACE);
        Object groupId = properties.get(ConsumerConfig.GROUP_ID_CONFIG);
        if (namespace != null) {
            b.namespace((String) namespace);
        } else if (groupId != null && !groupId.toString().isEmpty()) {
            b.namespace(groupId.toString());
        }
        if ("global".equalsIgnoreCase((String) values.get(METRICS))) {
            b.metrics(globalMetrics());
        }
        Class<?> listener = (Class<?>) values.get(LISTENER);
        if (listener != null) {
            b.listener(instantiate(listener));
        }
        return b.build();
    }

    private static DedupMetrics globalMetrics() {
        try {
            return MicrometerDedupMetrics.global();
        } catch (LinkageError e) {
            throw new ConfigException(METRICS
                    + "=global needs io.micrometer:micrometer-core on the class path; add it or remove " + METRICS);
        }
    }

    private static DedupListener instantiate(Class<?> type) {
        if (!DedupListener.class.isAssignableFrom(type)) {
            throw new ConfigException(LISTENER, type.getName(), "must implement " + DedupListener.class.getName());
        }
        try {
            return (DedupListener) type.getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new ConfigException(LISTENER, type.getName(), "needs a public no-argument constructor: " + e);
        }
    }

    private static String constant(Object value) {
        return value.toString().trim().toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static Duration lease(String text) {
        return duration(LEASE, text, ClaimRequest.MAX_LEASE);
    }

    private static Duration retention(String text) {
        return duration(RETENTION, text, AbstractIdempotencyStore.MAX_RETENTION);
    }

    private static Duration duration(String name, String text, Duration max) {
        Duration d;
        try {
            d = Duration.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new ConfigException(name, text, "must be an ISO-8601 duration such as PT30S, PT5M or P7D");
        }
        if (d.toMillis() < 1 || d.compareTo(max) > 0) {
            throw new ConfigException(name, text, "must be between 1 ms (PT0.001S) and " + max);
        }
        return d;
    }

    private static ConfigDef.Validator parsed(Function<String, ?> parser) {
        return (name, value) -> {
            if (value == null) {
                return;
            }
            try {
                parser.apply(value.toString());
            } catch (ConfigException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        };
    }

    /** Returns the store URI, or {@code null} when the store is given as an instance. */
    public @Nullable String store() {
        return store;
    }

    /** Returns the key extractor. */
    public KeyExtractor keyExtractor() {
        return keyExtractor;
    }

    /** Returns the namespace, or {@code null} when none was set (the interceptor then needs a group.id). */
    public @Nullable String namespace() {
        return namespace;
    }

    /** Returns the lease. */
    public Duration lease() {
        return lease;
    }

    /** Returns the retention. */
    public Duration retention() {
        return retention;
    }

    /** Returns the fingerprinter. */
    public Fingerprinter fingerprinter() {
        return fingerprinter;
    }

    /** Returns whether keys over 512 UTF-8 bytes are hashed. */
    public boolean hashLongKeys() {
        return hashLongKeys;
    }

    /** Returns the missing-key policy. */
    public MissingKeyPolicy onMissingKey() {
        return onMissingKey;
    }

    /** Returns the store-unavailable policy. */
    public StoreUnavailablePolicy onStoreUnavailable() {
        return onStoreUnavailable;
    }

    /** Returns the fingerprint-mismatch policy. */
    public FingerprintMismatchPolicy onFingerprintMismatch() {
        return onFingerprintMismatch;
    }

    /** Returns when the record processor completes claims. */
    public CompletionMode completion() {
        return completion;
    }

    /** Returns the metrics. */
    public DedupMetrics metrics() {
        return metrics;
    }

    /** Returns the listener, or {@code null}. */
    public @Nullable DedupListener listener() {
        return listener;
    }

    /** Returns a builder holding these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.store = store;
        b.keyExtractor = keyExtractor;
        b.namespace = namespace;
        b.lease = lease;
        b.retention = retention;
        b.fingerprinter = fingerprinter;
        b.hashLongKeys = hashLongKeys;
        b.onMissingKey = onMissingKey;
        b.onStoreUnavailable = onStoreUnavailable;
        b.onFingerprintMismatch = onFingerprintMismatch;
        b.completion = completion;
        b.metrics = metrics;
        b.listener = listener;
        return b;
    }

    @Override
    public String toString() {
        return "DedupConfig[store=" + (store == null ? "(instance)" : StoreUri.redact(store)) + ", namespace="
                + namespace + ", lease=" + lease + ", retention=" + retention + ", hashLongKeys=" + hashLongKeys
                + ", onMissingKey=" + onMissingKey + ", onStoreUnavailable=" + onStoreUnavailable
                + ", onFingerprintMismatch=" + onFingerprintMismatch + ", completion=" + completion + "]";
    }

    /** Checks that a store URI parses (without opening it). */
    private static final class StoreValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null || value.toString().isBlank()) {
                throw new ConfigException(
                        name,
                        value,
                        "a store URI is required, such as memory:, "
                                + "redis://host:6379 or jdbc:postgresql://host/db");
            }
            try {
                StoreUri.parse(value.toString());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, StoreUri.redact(value.toString()), e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "a store URI";
        }
    }

    /**
     * Builds a {@link DedupConfig}; each setter checks its value at once. Not thread-safe.
     */
    public static final class Builder {
        private @Nullable String store;
        private KeyExtractor keyExtractor = KeyExtractor.header(KeyExtractor.DEFAULT_HEADER);
        private @Nullable String namespace;
        private Duration lease = DEFAULT_LEASE;
        private Duration retention = DEFAULT_RETENTION;
        private Fingerprinter fingerprinter = Fingerprinter.NONE;
        private boolean hashLongKeys;
        private MissingKeyPolicy onMissingKey = MissingKeyPolicy.PROCESS;
        private StoreUnavailablePolicy onStoreUnavailable = StoreUnavailablePolicy.FAIL;
        private FingerprintMismatchPolicy onFingerprintMismatch = FingerprintMismatchPolicy.DROP;
        private CompletionMode completion = CompletionMode.PER_RECORD;
        private DedupMetrics metrics = DedupMetrics.NOOP;
        private @Nullable DedupListener listener;

        private Builder() {}

        /**
         * Sets the store URI ({@code kdedup.store}); not needed when the store is given as an instance.
         *
         * @param uri the URI
         * @return this builder
         */
        public Builder store(String uri) {
            new StoreValidator().ensureValid(STORE, uri);
            this.store = uri;
            return this;
        }

        /**
         * Sets the key extractor ({@code kdedup.key}); default {@code header:event-id}.
         *
         * @param keyExtractor the extractor
         * @return this builder
         */
        public Builder keyExtractor(KeyExtractor keyExtractor) {
            this.keyExtractor = Objects.requireNonNull(keyExtractor, "keyExtractor");
            return this;
        }

        /**
         * Sets the namespace ({@code kdedup.namespace}); default the consumer's group.id.
         *
         * @param namespace at most 128 UTF-8 bytes
         * @return this builder
         */
        public Builder namespace(String namespace) {
            try {
                this.namespace = IdempotencyKeys.requireValidNamespace(namespace);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(NAMESPACE, namespace, e.getMessage());
            }
            return this;
        }

        /**
         * Sets the lease ({@code kdedup.lease}); default 5 minutes, at most 1 day.
         *
         * @param lease the lease
         * @return this builder
         */
        public Builder lease(Duration lease) {
            this.lease =
                    DedupConfig.lease(Objects.requireNonNull(lease, "lease").toString());
            return this;
        }

        /**
         * Sets the retention ({@code kdedup.retention}); default 7 days, at most 366 days, never
         * shorter than the lease.
         *
         * @param retention the retention
         * @return this builder
         */
        public Builder retention(Duration retention) {
            this.retention = DedupConfig.retention(
                    Objects.requireNonNull(retention, "retention").toString());
            return this;
        }

        /**
         * Sets the fingerprint ({@code kdedup.fingerprint}); default none.
         *
         * @param fingerprinter the fingerprinter
         * @return this builder
         */
        public Builder fingerprinter(Fingerprinter fingerprinter) {
            this.fingerprinter = Objects.requireNonNull(fingerprinter, "fingerprinter");
            return this;
        }

        /**
         * Sets whether keys over 512 UTF-8 bytes are hashed ({@code kdedup.key.hash-long-keys});
         * default false.
         *
         * @param hashLongKeys whether to hash
         * @return this builder
         */
        public Builder hashLongKeys(boolean hashLongKeys) {
            this.hashLongKeys = hashLongKeys;
            return this;
        }

        /**
         * Sets the missing-key policy; default {@link MissingKeyPolicy#PROCESS}.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder onMissingKey(MissingKeyPolicy policy) {
            this.onMissingKey = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets the store-unavailable policy; default {@link StoreUnavailablePolicy#FAIL}.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder onStoreUnavailable(StoreUnavailablePolicy policy) {
            this.onStoreUnavailable = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets the fingerprint-mismatch policy; default {@link FingerprintMismatchPolicy#DROP}.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder onFingerprintMismatch(FingerprintMismatchPolicy policy) {
            this.onFingerprintMismatch = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets when the record processor completes claims; default {@link CompletionMode#PER_RECORD}.
         *
         * @param completion the mode
         * @return this builder
         */
        public Builder completion(CompletionMode completion) {
            this.completion = Objects.requireNonNull(completion, "completion");
            return this;
        }

        /**
         * Sets where metrics go; default {@link DedupMetrics#NOOP}. For Micrometer: {@code
         * metrics(MicrometerDedupMetrics.of(registry))}.
         *
         * @param metrics the metrics
         * @return this builder
         */
        public Builder metrics(DedupMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * Sets a listener for duplicates; default none.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(DedupListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Returns the settings.
         *
         * @throws ConfigException when the retention is shorter than the lease
         */
        public DedupConfig build() {
            return new DedupConfig(this);
        }
    }
}
