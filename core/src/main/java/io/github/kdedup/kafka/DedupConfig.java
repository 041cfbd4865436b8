package io.github.kdedup.kafka;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.jspecify.annotations.Nullable;

/**
 * The settings of the Kafka integration, shared by {@link DedupConsumerInterceptor} (which reads them
 * from consumer properties), {@link DedupProcessor} and {@link DedupEngine} (properties or {@link
 * #builder()}). Each setting is declared once in {@link DedupSettings}, with its key, default,
 * accepted values and description; {@code docs/configuration.md} lists them.
 *
 * <p>Every value is parsed and checked once, when it is set; any other {@code kdedup.*} property is an
 * error, so a typo never goes unnoticed. Immutable and thread-safe.
 */
public final class DedupConfig {

    /** The prefix of every property. */
    public static final String PREFIX = "kdedup.";

    // The property keys, for users who build property maps; declared in DedupSettings.
    public static final String STORE = DedupSettings.STORE.key();
    public static final String KEY = DedupSettings.KEY.key();
    public static final String NAMESPACE = DedupSettings.NAMESPACE.key();
    public static final String LEASE = DedupSettings.LEASE.key();
    public static final String RETENTION = DedupSettings.RETENTION.key();
    public static final String FINGERPRINT = DedupSettings.FINGERPRINT.key();
    public static final String HASH_LONG_KEYS = DedupSettings.HASH_LONG_KEYS.key();
    public static final String ON_MISSING_KEY = DedupSettings.ON_MISSING_KEY.key();
    public static final String ON_STORE_UNAVAILABLE = DedupSettings.ON_STORE_UNAVAILABLE.key();
    public static final String ON_FINGERPRINT_MISMATCH = DedupSettings.ON_FINGERPRINT_MISMATCH.key();
    public static final String COMPLETION = DedupSettings.COMPLETION.key();
    public static final String METRICS = DedupSettings.METRICS.key();
    public static final String LISTENER = DedupSettings.LISTENER.key();

    /** The default lease: 5 minutes. */
    public static final Duration DEFAULT_LEASE = Objects.requireNonNull(DedupSettings.LEASE.defaultValue());
    /** The default retention: 7 days. */
    public static final Duration DEFAULT_RETENTION = Objects.requireNonNull(DedupSettings.RETENTION.defaultValue());

    /** The parsed value of each setting that has one; identity keys, since each setting exists once. */
    private final Map<DedupSetting<?>, Object> values;

    private DedupConfig(Map<DedupSetting<?>, Object> values) {
        this.values = new IdentityHashMap<>(values);
        if (retention().compareTo(lease()) < 0) {
            throw new ConfigException(RETENTION + " (" + retention() + ") must not be shorter than " + LEASE + " ("
                    + lease() + "): a completed key must be remembered at least as long as a claim protects it");
        }
    }

    /** Returns a builder with the defaults of {@link DedupSettings} and no store. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the {@code kdedup.*} properties of a consumer configuration; other properties are ignored,
     * except {@code group.id}, the default namespace. Values may be text or already of the setting's
     * type.
     *
     * @param properties consumer properties
     * @return the settings
     * @throws ConfigException when a {@code kdedup.*} property is unknown, missing or bad; the message
     *     names the property and the accepted values
     */
    public static DedupConfig fromProperties(Map<String, ?> properties) {
        DedupSettings.rejectUnknown(properties.keySet());
        Builder b = builder();
        for (DedupSetting<?> setting : DedupSettings.ALL) {
            Object value = properties.get(setting.key());
            if (value != null) {
                b.parse(setting, value);
            }
        }
        if (b.values.get(DedupSettings.STORE) == null) {
            throw new ConfigException(STORE, null, "a store URI is required, such as memory:, redis://host:6379");
        }
        Object groupId = properties.get(ConsumerConfig.GROUP_ID_CONFIG);
        if (b.values.get(DedupSettings.NAMESPACE) == null
                && groupId != null
                && !groupId.toString().isEmpty()) {
            b.namespace(groupId.toString());
        }
        return b.build();
    }

    /**
     * Returns the value of a setting.
     *
     * @param setting one of {@link DedupSettings#ALL}
     * @param <T> its type
     * @return the value, or {@code null} for a setting without a default that was not set
     */
    @SuppressWarnings("unchecked")
    public <T> @Nullable T get(DedupSetting<T> setting) {
        return (T) values.get(setting);
    }

    private <T> T require(DedupSetting<T> setting) {
        return Objects.requireNonNull(get(setting), setting.key());
    }
    /** Returns the store URI, or {@code null} when the store is given as an instance. */
    public @Nullable String store() {
        return get(DedupSettings.STORE);
    }
    /** Returns the key extractor. */
    public KeyExtractor keyExtractor() {
        return require(DedupSettings.KEY);
    }
    /** Returns the namespace, or {@code null} when none was set (the interceptor then needs a group.id). */
    public @Nullable String namespace() {
        return get(DedupSettings.NAMESPACE);
    }
    /** Returns the lease. */
    public Duration lease() {
        return require(DedupSettings.LEASE);
    }
    /** Returns the retention. */
    public Duration retention() {
        return require(DedupSettings.RETENTION);
    }
    /** Returns the fingerprinter. */
    public Fingerprinter fingerprinter() {
        return require(DedupSettings.FINGERPRINT);
    }
    /** Returns whether keys over 512 UTF-8 bytes are hashed. */
    public boolean hashLongKeys() {
        return require(DedupSettings.HASH_LONG_KEYS);
    }
    /** Returns the missing-key policy. */
    public MissingKeyPolicy onMissingKey() {
        return require(DedupSettings.ON_MISSING_KEY);
    }
    /** Returns the store-unavailable policy. */
    public StoreUnavailablePolicy onStoreUnavailable() {
        return require(DedupSettings.ON_STORE_UNAVAILABLE);
    }
    /** Returns the fingerprint-mismatch policy. */
    public FingerprintMismatchPolicy onFingerprintMismatch() {
        return require(DedupSettings.ON_FINGERPRINT_MISMATCH);
    }
    /** Returns when the record processor completes claims. */
    public CompletionMode completion() {
        return require(DedupSettings.COMPLETION);
    }
    /** Returns the metrics. */
    public DedupMetrics metrics() {
        return require(DedupSettings.METRICS);
    }
    /** Returns the listener, or {@code null}. */
    public @Nullable DedupListener listener() {
        return get(DedupSettings.LISTENER);
    }
    /** Returns a builder holding these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.values.putAll(values);
        return b;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("DedupConfig[");
        for (DedupSetting<?> setting : DedupSettings.ALL) {
            Object value = values.get(setting);
            // Plain values only: extractors, fingerprinters, metrics and listeners have no useful text.
            if (value instanceof String
                    || value instanceof Duration
                    || value instanceof Boolean
                    || value instanceof Enum) {
                s.append(s.length() > 12 ? ", " : "").append(setting.describe(value));
            }
        }
        return s.append(']').toString();
    }

    /**
     * Builds a {@link DedupConfig}; each setter parses and checks its value at once and throws a
     * {@link ConfigException} naming the setting. Not thread-safe.
     */
    public static final class Builder {
        private final Map<DedupSetting<?>, Object> values = new IdentityHashMap<>();

        private Builder() {
            for (DedupSetting<?> s : DedupSettings.ALL) {
                if (s.defaultValue() != null) {
                    values.put(s, s.defaultValue());
                }
            }
        }

        /**
         * Sets any setting.
         *
         * @param setting one of {@link DedupSettings#ALL}
         * @param value its value, not null
         * @param <T> its type
         * @return this builder
         * @throws ConfigException when the value breaks the setting's rule
         */
        public <T> Builder set(DedupSetting<T> setting, T value) {
            return parse(setting, value);
        }

        /**
         * Sets any setting from its property text (or a value of its type).
         *
         * @param setting one of {@link DedupSettings#ALL}
         * @param value the text, such as {@code PT30S} for a lease
         * @return this builder
         * @throws ConfigException when the value breaks the setting's rule
         */
        public Builder parse(DedupSetting<?> setting, Object value) {
            values.put(setting, setting.parse(value));
            return this;
        }
        /** Sets {@link DedupSettings#STORE}; not needed when the store is given as an instance. */
        public Builder store(String uri) {
            return set(DedupSettings.STORE, uri);
        }
        /** Sets {@link DedupSettings#KEY}. */
        public Builder keyExtractor(KeyExtractor keyExtractor) {
            return set(DedupSettings.KEY, keyExtractor);
        }
        /** Sets {@link DedupSettings#NAMESPACE}. */
        public Builder namespace(String namespace) {
            return set(DedupSettings.NAMESPACE, namespace);
        }
        /** Sets {@link DedupSettings#LEASE}. */
        public Builder lease(Duration lease) {
            return set(DedupSettings.LEASE, lease);
        }
        /** Sets {@link DedupSettings#RETENTION}; the build checks it is not shorter than the lease. */
        public Builder retention(Duration retention) {
            return set(DedupSettings.RETENTION, retention);
        }
        /** Sets {@link DedupSettings#FINGERPRINT}. */
        public Builder fingerprinter(Fingerprinter fingerprinter) {
            return set(DedupSettings.FINGERPRINT, fingerprinter);
        }
        /** Sets {@link DedupSettings#HASH_LONG_KEYS}. */
        public Builder hashLongKeys(boolean hashLongKeys) {
            return set(DedupSettings.HASH_LONG_KEYS, hashLongKeys);
        }
        /** Sets {@link DedupSettings#ON_MISSING_KEY}. */
        public Builder onMissingKey(MissingKeyPolicy policy) {
            return set(DedupSettings.ON_MISSING_KEY, policy);
        }
        /** Sets {@link DedupSettings#ON_STORE_UNAVAILABLE}. */
        public Builder onStoreUnavailable(StoreUnavailablePolicy policy) {
            return set(DedupSettings.ON_STORE_UNAVAILABLE, policy);
        }
        /** Sets {@link DedupSettings#ON_FINGERPRINT_MISMATCH}. */
        public Builder onFingerprintMismatch(FingerprintMismatchPolicy policy) {
            return set(DedupSettings.ON_FINGERPRINT_MISMATCH, policy);
        }
        /** Sets {@link DedupSettings#COMPLETION}. */
        public Builder completion(CompletionMode completion) {
            return set(DedupSettings.COMPLETION, completion);
        }
        /** Sets {@link DedupSettings#METRICS}; for Micrometer: {@code metrics(MicrometerDedupMetrics.of(registry))}. */
        public Builder metrics(DedupMetrics metrics) {
            return set(DedupSettings.METRICS, metrics);
        }
        /** Sets {@link DedupSettings#LISTENER}. */
        public Builder listener(DedupListener listener) {
            return set(DedupSettings.LISTENER, listener);
        }

        /**
         * Returns the settings.
         *
         * @return the settings
         * @throws ConfigException when the retention is shorter than the lease
         */
        public DedupConfig build() {
            return new DedupConfig(values);
        }
    }
}
