package io.github.kdedup.spring.boot;

import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.spring.kafka.ContainerDedup;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The {@code kdedup.*} properties of the application's {@link Environment} (any source Boot binds:
 * {@code application.yml}, {@code KDEDUP_STORE} environment variables, command-line arguments), read
 * with Boot's relaxed binding and checked by core's {@link DedupConfig}: the same keys, defaults and
 * rules as the consumer interceptor's. Keys under {@value #SPRING_PREFIX} are this integration's own.
 * Immutable and thread-safe.
 */
public final class KdedupSettings {

    /** The prefix of the Spring-only properties. */
    public static final String SPRING_PREFIX = "kdedup.spring.";

    /**
     * {@code kdedup.spring.enabled}: whether listener containers are deduplicated by default (true).
     * The same key as the per-listener consumer property that overrides it ({@link ContainerDedup#ENABLED}).
     */
    public static final String ENABLED = ContainerDedup.ENABLED;

    /** {@code kdedup.spring.data-source}: build the JDBC store on the application's DataSource (false). */
    public static final String DATA_SOURCE = "kdedup.spring.data-source";

    /** {@code kdedup.spring.table}: the table of that store (default {@code kdedup_claims}). */
    public static final String TABLE = "kdedup.spring.table";

    /**
     * {@code kdedup.spring.container-factories}: the names of the listener container factory beans to
     * equip, comma-separated; empty (the default) equips every factory.
     */
    public static final String CONTAINER_FACTORIES = "kdedup.spring.container-factories";

    /**
     * One Spring-only property, declared once for binding, checks and IDE metadata.
     *
     * @param key the property
     * @param type the Java type IDEs show
     * @param defaultValue the default as written, or {@code null}
     * @param description one or two sentences
     */
    public record SpringSetting(String key, Class<?> type, @Nullable Object defaultValue, String description) {}

    /** Every Spring-only property. */
    public static final List<SpringSetting> SPRING_SETTINGS = List.of(
            new SpringSetting(
                    ENABLED,
                    Boolean.class,
                    true,
                    "Whether every listener container is deduplicated. A listener overrides it with "
                            + "@KafkaListener(properties = \"kdedup.spring.enabled=false\") (or true)."),
            new SpringSetting(
                    DATA_SOURCE,
                    Boolean.class,
                    false,
                    "Build the JDBC store on the application's own DataSource (no second pool) instead of "
                            + "kdedup.store; needs io.github.kdedup:kdedup-store-jdbc."),
            new SpringSetting(
                    TABLE,
                    String.class,
                    "kdedup_claims",
                    "The table of the DataSource store, optionally schema-qualified; created when missing."),
            new SpringSetting(
                    CONTAINER_FACTORIES,
                    String.class,
                    null,
                    "Comma-separated names of the listener container factory beans to equip. Default: all."));

    /** Every Spring-only property key. */
    public static final List<String> SPRING_PROPERTIES =
            SPRING_SETTINGS.stream().map(SpringSetting::key).toList();

    private final Map<String, String> core;
    private final Map<String, String> spring;

    private KdedupSettings(Map<String, String> core, Map<String, String> spring) {
        this.core = Map.copyOf(core);
        this.spring = Map.copyOf(spring);
    }

    /**
     * Reads the {@code kdedup.*} properties.
     *
     * @param environment the application's environment
     * @return the settings
     * @throws KdedupConfigurationException when a Spring-only property is unknown
     */
    public static KdedupSettings from(Environment environment) {
        Map<String, String> all = Binder.get(environment)
                .bind("kdedup", Bindable.mapOf(String.class, String.class))
                .orElse(Map.of());
        Map<String, String> core = new TreeMap<>();
        Map<String, String> spring = new TreeMap<>();
        for (Map.Entry<String, String> e : all.entrySet()) {
            String key = "kdedup." + e.getKey();
            if (key.startsWith(SPRING_PREFIX)) {
                if (!SPRING_PROPERTIES.contains(key)) {
                    throw new KdedupConfigurationException(
                            key,
                            "There is no such property.",
                            "Use one of " + SPRING_PROPERTIES + " (or remove it).",
                            null);
                }
                spring.put(key, e.getValue());
            } else {
                core.put(key, e.getValue());
            }
        }
        return new KdedupSettings(core, spring);
    }

    /** Returns {@code kdedup.store}, or {@code null} when it is not set. */
    public @Nullable String store() {
        String store = core.get(DedupConfig.STORE);
        return store == null || store.isBlank() ? null : store.trim();
    }

    /** Returns whether containers are deduplicated unless a listener says otherwise. */
    public boolean enabled() {
        return flag(ENABLED, true);
    }

    /** Returns whether the store is built on the application's DataSource. */
    public boolean dataSource() {
        return flag(DATA_SOURCE, false);
    }

    /** Returns the table of the DataSource store, or {@code null} for the default. */
    public @Nullable String table() {
        return spring.get(TABLE);
    }

    /** Returns the names of the container factories to equip; empty means all. */
    public List<String> containerFactories() {
        String names = spring.getOrDefault(CONTAINER_FACTORIES, "");
        return names.isBlank() ? List.of() : List.of(names.trim().split("\\s*,\\s*"));
    }

    private boolean flag(String key, boolean fallback) {
        String value = spring.get(key);
        if (value == null) {
            return fallback;
        }
        if (!value.trim().equalsIgnoreCase("true") && !value.trim().equalsIgnoreCase("false")) {
            throw new KdedupConfigurationException(
                    key, "'" + value + "' is not a boolean.", "Set " + key + " to true or false.", null);
        }
        return Boolean.parseBoolean(value.trim());
    }

    /**
     * Builds core's settings from the properties other than {@code kdedup.store} (the store is a bean).
     *
     * @param customizer adds what comes from beans (metrics, key extractor, listener)
     * @return the settings
     * @throws KdedupConfigurationException naming the property when one is unknown or invalid
     */
    public DedupConfig toConfig(java.util.function.UnaryOperator<DedupConfig.Builder> customizer) {
        Map<String, String> props = new LinkedHashMap<>(core);
        // The store bean is built from kdedup.store separately (or is the application's own); core's
        // parser only needs a valid placeholder.
        props.put(DedupConfig.STORE, "memory:");
        try {
            return customizer
                    .apply(DedupConfig.fromProperties(props).toBuilder())
                    .build();
        } catch (ConfigException e) {
            String property = propertyIn(e.getMessage());
            throw new KdedupConfigurationException(
                    property,
                    e.getMessage() + ".",
                    "Fix " + property + " in the application's configuration (application.yml or properties); "
                            + "the IDE completes every kdedup.* property and shows its accepted values.",
                    e);
        }
    }

    private String propertyIn(@Nullable String message) {
        if (message != null) {
            for (String key : new TreeMap<>(core).descendingKeySet()) {
                if (message.contains(key)) {
                    return key;
                }
            }
            int at = message.indexOf("kdedup.");
            if (at >= 0) {
                int end = at;
                while (end < message.length() && "]), ;:".indexOf(message.charAt(end)) < 0) {
                    end++;
                }
                return message.substring(at, end);
            }
        }
        return "kdedup.*";
    }
}
