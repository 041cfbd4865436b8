package io.github.kdedup.kafka;

import io.github.kdedup.StoreUri;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.jspecify.annotations.Nullable;

/**
 * One {@code kdedup.*} setting, declared once in {@link DedupSettings}: its key, Java type, default,
 * parser, check and documentation. {@link DedupConfig}, its builder, the Kafka {@link ConfigDef},
 * {@code docs/configuration.md} and framework bindings (Spring Boot) are all derived from these
 * declarations, so a setting is described in exactly one place.
 *
 * <p>Immutable and thread-safe. {@link #defaultValue()} and {@link #defaultText()} are {@code null}
 * for a setting without a default.
 *
 * @param <T> the Java type of the parsed value
 */
public final class DedupSetting<T> {

    private final String key;
    private final Class<T> type;
    private final @Nullable T defaultValue;
    private final @Nullable String defaultText;
    private final String description;
    private final List<String> allowedValues;
    private final ConfigDef.Importance importance;
    private final Function<String, T> parser;
    private final UnaryOperator<T> check;

    private DedupSetting(Builder<T> b) {
        this.key = b.key;
        this.type = b.type;
        this.defaultText = b.defaultText;
        this.description = b.description;
        this.allowedValues = List.copyOf(b.allowedValues);
        this.importance = b.importance;
        this.parser = b.parser;
        this.check = b.check;
        this.defaultValue = b.defaultText == null ? null : parse(b.defaultText);
    }

    static <T> Builder<T> define(String key, Class<T> type, String description) {
        return new Builder<>(DedupConfig.PREFIX + key, type, description);
    }

    /**
     * Declares a setting whose value is one constant of an enum, written in lower case with dashes
     * ({@code pass-through} for {@code PASS_THROUGH}) and read case-insensitively.
     */
    static <E extends Enum<E>> Builder<E> choice(String key, Class<E> type, E defaultValue, String description) {
        E[] constants = type.getEnumConstants();
        String[] names = new String[constants.length];
        for (int i = 0; i < constants.length; i++) {
            names[i] = text(constants[i]);
        }
        return define(key, type, description)
                .defaultText(text(defaultValue))
                .allowed(names)
                .parser(value ->
                        Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT).replace('-', '_')));
    }

    /** Returns how an enum constant is written in properties: lower case, dashes for underscores. */
    static String text(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Returns the property key, such as {@code kdedup.lease}. */
    public String key() {
        return key;
    }

    /** Returns the Java type of the parsed value. */
    public Class<T> type() {
        return type;
    }

    /** Returns the parsed default, or {@code null} when the setting has none. */
    public @Nullable T defaultValue() {
        return defaultValue;
    }

    /** Returns the default as it is written in properties, or {@code null} when there is none. */
    public @Nullable String defaultText() {
        return defaultText;
    }

    /** Returns one or two sentences for documentation and IDE metadata. */
    public String description() {
        return description;
    }

    /**
     * Returns the values the setting accepts when it is a closed set (policies), in property form
     * ({@code pass-through}); empty when it accepts open text (URIs, durations, class names).
     */
    public List<String> allowedValues() {
        return allowedValues;
    }

    /** Returns how important the setting is, for Kafka's {@link ConfigDef}. */
    public ConfigDef.Importance importance() {
        return importance;
    }

    /**
     * Parses and checks a property value: text, or already a value of {@link #type()} (as a {@code
     * Map<String, ?>} of consumer properties may hold).
     *
     * @param value the value, not null
     * @return the checked value
     * @throws ConfigException naming this setting, the (redacted) value and the rule it broke
     */
    public T parse(Object value) {
        Objects.requireNonNull(value, key);
        try {
            String text = value instanceof Class<?> c ? c.getName() : value.toString();
            T typed = type.isInstance(value) ? type.cast(value) : parser.apply(text);
            return check.apply(typed);
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw new ConfigException(key, StoreUri.redact(value.toString()), message(e));
        }
    }

    private String message(Throwable e) {
        if (e instanceof IllegalArgumentException && !allowedValues.isEmpty()) {
            return "must be one of (case insensitive): "
                    + String.join(", ", allowedValues).toUpperCase(Locale.ROOT);
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /**
     * Describes a value of this setting for logs: {@code lease=PT30S}, enums in property form, store
     * URIs without passwords.
     *
     * @param value a value of this setting
     * @return the short key, {@code =} and the value
     */
    String describe(Object value) {
        String text = value instanceof Enum<?> e ? text(e) : value.toString();
        return key.substring(DedupConfig.PREFIX.length()) + "=" + StoreUri.redact(text);
    }

    @Override
    public String toString() {
        return key;
    }

    /** Declares a setting; used only by {@link DedupSettings}. Not thread-safe. */
    static final class Builder<T> {
        private final String key;
        private final Class<T> type;
        private final String description;
        private @Nullable String defaultText;
        private List<String> allowedValues = List.of();
        private ConfigDef.Importance importance = ConfigDef.Importance.MEDIUM;
        private Function<String, T> parser;
        private UnaryOperator<T> check = UnaryOperator.identity();

        private Builder(String key, Class<T> type, String description) {
            this.key = key;
            this.type = type;
            this.description = description;
            this.parser = text -> {
                throw new IllegalArgumentException("must be a " + type.getSimpleName());
            };
        }

        Builder<T> defaultText(String text) {
            this.defaultText = text;
            return this;
        }

        Builder<T> allowed(String... values) {
            this.allowedValues = List.of(values);
            return this;
        }

        Builder<T> importance(ConfigDef.Importance importance) {
            this.importance = importance;
            return this;
        }

        Builder<T> parser(Function<String, T> parser) {
            this.parser = parser;
            return this;
        }

        Builder<T> check(UnaryOperator<T> check) {
            this.check = check;
            return this;
        }

        DedupSetting<T> build() {
            return new DedupSetting<>(this);
        }
    }
}
