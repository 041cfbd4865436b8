package io.github.kdedup.kafka;

import io.github.kdedup.AbstractIdempotencyStore;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.IdempotencyKeys;
import io.github.kdedup.StoreUri;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigException;

/**
 * Every {@code kdedup.*} setting, declared once: key, type, default, parser, check and description.
 * {@link DedupConfig} reads and holds them; {@link #configDef()} and {@link #markdownTable()} are
 * derived from {@link #ALL}, and so is the IDE metadata of the Spring Boot integration.
 *
 * <p>All members are immutable and thread-safe.
 */
public final class DedupSettings {

    /** {@code kdedup.store}: the store URI; required unless the store is given as an instance. */
    public static final DedupSetting<String> STORE = DedupSetting.define(
                    "store",
                    String.class,
                    "The store URI: memory:, redis://host:6379, redis-cluster://host:7000, "
                            + "jdbc:postgresql://host/db or jdbc:mariadb://host/db. Required.")
            .importance(Importance.HIGH)
            .parser(Function.identity())
            .check(DedupSettings::checkStoreUri)
            .build();

    /** {@code kdedup.key}: where the business key of an event is read. */
    public static final DedupSetting<KeyExtractor> KEY = DedupSetting.define(
                    "key",
                    KeyExtractor.class,
                    "Where the event key is read: header:NAME, record-key, json:/pointer or topic-partition-offset.")
            .defaultText("header:" + KeyExtractor.DEFAULT_HEADER)
            .importance(Importance.HIGH)
            .parser(KeyExtractor::parse)
            .build();

    /** {@code kdedup.namespace}: who must process each event once; default the consumer's group.id. */
    public static final DedupSetting<String> NAMESPACE = DedupSetting.define(
                    "namespace",
                    String.class,
                    "Who must process each event once, at most " + IdempotencyKeys.MAX_NAMESPACE_BYTES
                            + " UTF-8 bytes. Default: the consumer's group.id.")
            .parser(Function.identity())
            .check(IdempotencyKeys::requireValidNamespace)
            .build();

    /** {@code kdedup.lease}: how long an in-progress claim protects its key. */
    public static final DedupSetting<Duration> LEASE = DedupSetting.define(
                    "lease",
                    Duration.class,
                    "How long an in-progress claim protects its key (ISO-8601 such as PT30S, or milliseconds), "
                            + "at most " + ClaimRequest.MAX_LEASE.toHours() + " hours.")
            .defaultText("PT5M")
            .parser(text -> StoreUri.parseDuration("kdedup.lease", text))
            .check(d -> between(d, ClaimRequest.MAX_LEASE))
            .build();

    /** {@code kdedup.retention}: how long a completed key is remembered, never shorter than the lease. */
    public static final DedupSetting<Duration> RETENTION = DedupSetting.define(
                    "retention",
                    Duration.class,
                    "How long a completed key is remembered: the dedup window (ISO-8601 or milliseconds), at " + "most "
                            + AbstractIdempotencyStore.MAX_RETENTION.toDays() + " days, never shorter than the lease.")
            .defaultText("P7D")
            .parser(text -> StoreUri.parseDuration("kdedup.retention", text))
            .check(d -> between(d, AbstractIdempotencyStore.MAX_RETENTION))
            .build();

    /** {@code kdedup.fingerprint}: an optional hash of the payload, to detect a key reused for another payload. */
    public static final DedupSetting<Fingerprinter> FINGERPRINT = DedupSetting.define(
                    "fingerprint",
                    Fingerprinter.class,
                    "A hash of the payload stored with the claim: none, value-sha256 or json-sha256:/pointer.")
            .defaultText("none")
            .importance(Importance.LOW)
            .parser(Fingerprinter::parse)
            .build();

    /** {@code kdedup.key.hash-long-keys}: replace keys over 512 UTF-8 bytes by their SHA-256. */
    public static final DedupSetting<Boolean> HASH_LONG_KEYS = DedupSetting.define(
                    "key.hash-long-keys",
                    Boolean.class,
                    "true: a key over " + IdempotencyKeys.MAX_KEY_BYTES + " UTF-8 bytes is replaced by its "
                            + "SHA-256; false: such a key is unreadable.")
            .defaultText("false")
            .allowed("true", "false")
            .importance(Importance.LOW)
            .parser(DedupSettings::bool)
            .build();

    /** {@code kdedup.on-missing-key}: what to do with a record whose key is missing or unreadable. */
    public static final DedupSetting<MissingKeyPolicy> ON_MISSING_KEY = DedupSetting.choice(
                    "on-missing-key",
                    MissingKeyPolicy.class,
                    MissingKeyPolicy.PROCESS,
                    "When a key is missing or unreadable: process without dedup, skip, or fail.")
            .build();

    /** {@code kdedup.on-store-unavailable}: what to do when the store cannot answer a claim. */
    public static final DedupSetting<StoreUnavailablePolicy> ON_STORE_UNAVAILABLE = DedupSetting.choice(
                    "on-store-unavailable",
                    StoreUnavailablePolicy.class,
                    StoreUnavailablePolicy.FAIL,
                    "When the store cannot answer: fail (nothing is skipped) or pass-through (process without "
                            + "dedup, counted).")
            .build();

    /** {@code kdedup.on-fingerprint-mismatch}: what to do when a duplicate carries another payload. */
    public static final DedupSetting<FingerprintMismatchPolicy> ON_FINGERPRINT_MISMATCH = DedupSetting.choice(
                    "on-fingerprint-mismatch",
                    FingerprintMismatchPolicy.class,
                    FingerprintMismatchPolicy.DROP,
                    "When a duplicate's fingerprint differs: drop it with a warning, process it, or fail.")
            .importance(Importance.LOW)
            .build();

    /** {@code kdedup.completion}: when the record processor completes claims. */
    public static final DedupSetting<CompletionMode> COMPLETION = DedupSetting.choice(
                    "completion",
                    CompletionMode.class,
                    CompletionMode.PER_BATCH,
                    "When the record processor completes claims: per-batch (default: handled claims are "
                            + "written together, at most 100 records or 100 ms apart and at the end of each "
                            + "process call) or per-record (one store call per record, a smaller crash window). "
                            + "The interceptor always completes at commit.")
            .importance(Importance.LOW)
            .build();

    /** {@code kdedup.metrics}: where counts and timings go. */
    public static final DedupSetting<DedupMetrics> METRICS = DedupSetting.define(
                    "metrics",
                    DedupMetrics.class,
                    "none, or global: Micrometer's Metrics.globalRegistry (needs micrometer-core).")
            .defaultText("none")
            .allowed("none", "global")
            .importance(Importance.LOW)
            .parser(DedupSettings::metrics)
            .build();

    /** {@code kdedup.listener}: a {@link DedupListener} class told of every duplicate. */
    public static final DedupSetting<DedupListener> LISTENER = DedupSetting.define(
                    "listener",
                    DedupListener.class,
                    "The class name of a DedupListener (public, no-argument constructor) told of every duplicate.")
            .importance(Importance.LOW)
            .parser(DedupSettings::listener)
            .build();

    /** Every setting, in documentation order. */
    public static final List<DedupSetting<?>> ALL = List.of(
            STORE,
            KEY,
            NAMESPACE,
            LEASE,
            RETENTION,
            FINGERPRINT,
            HASH_LONG_KEYS,
            ON_MISSING_KEY,
            ON_STORE_UNAVAILABLE,
            ON_FINGERPRINT_MISMATCH,
            COMPLETION,
            METRICS,
            LISTENER);

    private static final Map<String, DedupSetting<?>> BY_KEY =
            ALL.stream().collect(Collectors.toUnmodifiableMap(DedupSetting::key, s -> s));

    private DedupSettings() {}

    /**
     * Returns the setting of a key.
     *
     * @param key a property key such as {@code kdedup.lease}
     * @return the setting, or {@code null} when no setting has that key
     */
    public static @org.jspecify.annotations.Nullable DedupSetting<?> byKey(String key) {
        return BY_KEY.get(key);
    }

    /**
     * Rejects property keys with the {@code kdedup.} prefix that no setting has, so a typo never goes
     * unnoticed.
     *
     * @param keys the keys of a property map; keys without the prefix are ignored
     * @throws ConfigException listing the unknown keys and the known ones
     */
    public static void rejectUnknown(Collection<?> keys) {
        TreeSet<String> unknown = new TreeSet<>();
        for (Object key : keys) {
            String text = String.valueOf(key);
            if (text.startsWith(DedupConfig.PREFIX) && !BY_KEY.containsKey(text)) {
                unknown.add(text);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException("unknown kdedup propert" + (unknown.size() == 1 ? "y " : "ies ") + unknown
                    + "; known properties: " + new TreeSet<>(BY_KEY.keySet()));
        }
    }

    /**
     * Returns the settings as a Kafka {@link ConfigDef}: every value is declared as a string (or class)
     * and checked by its setting's parser, so Kafka-style tooling can validate and document them.
     */
    public static ConfigDef configDef() {
        ConfigDef def = new ConfigDef();
        for (DedupSetting<?> s : ALL) {
            ConfigDef.Validator check = (name, value) -> {
                if (value != null) {
                    s.parse(value);
                }
            };
            Object defaultValue = s == STORE ? ConfigDef.NO_DEFAULT_VALUE : s.defaultText();
            def.define(s.key(), ConfigDef.Type.STRING, defaultValue, check, s.importance(), s.description());
        }
        return def;
    }

    /**
     * Returns the settings as a Markdown table (setting, default, accepted values, description), the
     * text of {@code docs/configuration.md}'s table.
     */
    public static String markdownTable() {
        StringBuilder out =
                new StringBuilder("| setting | default | type or values | description |\n|---|---|---|---|\n");
        for (DedupSetting<?> s : ALL) {
            out.append("| `")
                    .append(s.key())
                    .append("` | ")
                    .append(s.defaultText() == null ? "-" : "`" + s.defaultText() + "`")
                    .append(" | ")
                    .append(
                            s.allowedValues().isEmpty()
                                    ? s.type().getSimpleName()
                                    : s.allowedValues().stream()
                                            .map(v -> "`" + v + "`")
                                            .collect(Collectors.joining(", ")))
                    .append(" | ")
                    .append(s.description())
                    .append(" |\n");
        }
        return out.toString();
    }

    private static String checkStoreUri(String uri) {
        if (uri.isBlank()) {
            throw new IllegalArgumentException(
                    "a store URI is required, such as memory:, redis://host:6379 or jdbc:postgresql://host/db");
        }
        StoreUri.parse(uri);
        return uri;
    }

    private static Duration between(Duration d, Duration max) {
        if (d.toMillis() < 1 || d.compareTo(max) > 0) {
            throw new IllegalArgumentException("must be between 1 ms (PT0.001S) and " + max);
        }
        return d;
    }

    private static Boolean bool(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (!t.equals("true") && !t.equals("false")) {
            throw new IllegalArgumentException("must be true or false");
        }
        return Boolean.valueOf(t);
    }

    private static DedupMetrics metrics(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("none")) {
            return DedupMetrics.NOOP;
        }
        if (!t.equals("global")) {
            throw new IllegalArgumentException("must be one of (case insensitive): NONE, GLOBAL");
        }
        try {
            return MicrometerDedupMetrics.global();
        } catch (LinkageError e) {
            throw new ConfigException(METRICS.key() + "=global needs io.micrometer:micrometer-core on the class "
                    + "path; add it or remove " + METRICS.key());
        }
    }

    private static DedupListener listener(String className) {
        Class<?> type;
        try {
            type = Class.forName(className.trim(), true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("class not found: " + e.getMessage(), e);
        }
        if (!DedupListener.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException("must implement " + DedupListener.class.getName());
        }
        try {
            return (DedupListener) type.getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("needs a public no-argument constructor: " + e, e);
        }
    }
}
