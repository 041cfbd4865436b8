package io.github.kdedup.spring.kafka;

import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.kafka.DedupConfig;
import io.github.kdedup.kafka.DedupEngine;
import io.github.kdedup.kafka.DedupSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.jspecify.annotations.Nullable;
import org.springframework.kafka.config.AbstractKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.BatchInterceptor;
import org.springframework.kafka.listener.CompositeBatchInterceptor;
import org.springframework.kafka.listener.CompositeRecordInterceptor;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.RecordInterceptor;

/**
 * Makes Spring Kafka listener containers drop duplicate events, record listeners and batch listeners
 * alike, with one store call per poll for the claims and one for the completions.
 *
 * <pre>{@code
 * ContainerDedup dedup = ContainerDedup.create(store, DedupConfig.builder().build());
 * dedup.applyTo(containerFactory); // its consumer factory, interceptors and rebalance listener
 * }</pre>
 *
 * <h2>How</h2>
 *
 * <ol>
 *   <li>A Kafka consumer interceptor ({@link PollCapture}) hands each poll to the consumer's session;
 *       it does not call the store inside {@code poll}.
 *   <li>The container's {@code RecordInterceptor} (record listeners) claims the whole poll on its
 *       first record; its {@code BatchInterceptor} (batch listeners) claims the batch. Duplicates never
 *       reach the listener; the container acknowledges them as skipped.
 *   <li>When the listener returns, its claims are marked handled and, after the poll's records, all
 *       completed in one store call: before the container commits the offsets (so a redelivery after
 *       a crash between the two is recognised as a duplicate).
 *   <li>A listener that throws keeps its claim; the {@code DefaultErrorHandler} seeks back and the
 *       redelivered record reclaims it (same origin, counted {@code retried}) and runs again. A record
 *       the error handler gives up on (a dead-letter recoverer, or the default logging recoverer) is
 *       committed by the container, and its claim is completed at that commit: its key then counts
 *       as done, so a republished copy is dropped within the retention.
 *   <li>At a revocation (after the container's commit) and at close, the claims of processed or
 *       committed records are completed and only the others are released.
 * </ol>
 *
 * <h2>Settings</h2>
 *
 * The {@link DedupConfig} gives key extractor, lease, retention, policies, metrics and listener; the
 * namespace is {@link DedupConfig#namespace()} when set, otherwise each consumer's {@code group.id}. Per
 * listener, the consumer properties (for {@code @KafkaListener(properties = ...)}) may set {@code
 * kdedup.namespace} to another namespace and {@value #ENABLED} to {@code true} or {@code false} to override
 * {@code enabledByDefault}.
 *
 * <p>Thread-safe; its settings are immutable. The store stays the caller's: this never closes it.
 */
public final class ContainerDedup {

    /** The consumer property under which {@link PollCapture} finds this object. */
    public static final String CONFIG_KEY = ContainerDedup.class.getName();

    /** Consumer property: {@code true} or {@code false}, whether this listener's container deduplicates. */
    public static final String ENABLED = "kdedup.spring.enabled";

    /** Consumer property: the namespace of this listener's claims (default: its group.id). */
    public static final String NAMESPACE = DedupSettings.NAMESPACE.key();

    private final IdempotencyStore store;
    private final DedupConfig config;
    private final boolean enabledByDefault;
    /** The container factories already equipped, so that applying twice changes nothing. */
    private final Set<Object> applied = Collections.newSetFromMap(new IdentityHashMap<>());

    private ContainerDedup(IdempotencyStore store, DedupConfig config, boolean enabledByDefault) {
        this.store = Objects.requireNonNull(store, "store");
        this.config = Objects.requireNonNull(config, "config");
        this.enabledByDefault = enabledByDefault;
    }

    /**
     * Deduplicates every container it is applied to.
     *
     * @param store the store, which the caller closes
     * @param config the settings; its store URI is ignored
     * @return the integration
     */
    public static ContainerDedup create(IdempotencyStore store, DedupConfig config) {
        return new ContainerDedup(store, config, true);
    }

    /**
     * Like {@link #create}, but only for listeners whose consumer properties say {@value #ENABLED}
     * {@code =true} when {@code enabledByDefault} is false.
     *
     * @param store the store, which the caller closes
     * @param config the settings
     * @param enabledByDefault whether a listener without {@value #ENABLED} is deduplicated
     * @return the integration
     */
    public static ContainerDedup create(IdempotencyStore store, DedupConfig config, boolean enabledByDefault) {
        return new ContainerDedup(store, config, enabledByDefault);
    }

    /** Returns the store. */
    public IdempotencyStore store() {
        return store;
    }

    /** Returns the settings. */
    public DedupConfig config() {
        return config;
    }

    /**
     * Installs everything on a container factory: the record and batch interceptors (before the
     * factory's own ones), the rebalance listener (around the factory's own one) and the {@link
     * PollCapture} on its consumer factory. Call it before containers are created; a second call on
     * the same factory changes nothing.
     *
     * @param factory the container factory
     * @throws IllegalStateException when the factory has no consumer factory, or one that cannot be
     *     updated (not a {@code DefaultKafkaConsumerFactory})
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void applyTo(AbstractKafkaListenerContainerFactory<?, ?, ?> factory) {
        ConsumerFactory<?, ?> consumerFactory = factory.getConsumerFactory();
        if (consumerFactory == null) {
            throw new IllegalStateException("the listener container factory " + factory + " has no consumer factory");
        }
        applyTo(consumerFactory);
        synchronized (applied) {
            if (!applied.add(factory)) {
                return;
            }
        }
        AbstractKafkaListenerContainerFactory raw = factory;
        RecordInterceptor<?, ?> record = factory.getRecordInterceptor();
        if (!(record instanceof DedupRecordInterceptor)) {
            raw.setRecordInterceptor(
                    record == null
                            ? new DedupRecordInterceptor<>()
                            : new CompositeRecordInterceptor(new DedupRecordInterceptor<>(), record));
        }
        BatchInterceptor<?, ?> batch = factory.getBatchInterceptor();
        if (!(batch instanceof DedupBatchInterceptor)) {
            raw.setBatchInterceptor(
                    batch == null
                            ? new DedupBatchInterceptor<>()
                            : new CompositeBatchInterceptor(new DedupBatchInterceptor<>(), batch));
        }
        ContainerProperties properties = factory.getContainerProperties();
        if (!(properties.getConsumerRebalanceListener() instanceof ContainerRebalanceListener)) {
            properties.setConsumerRebalanceListener(
                    new ContainerRebalanceListener(properties.getConsumerRebalanceListener()));
        }
    }

    /**
     * Adds the {@link PollCapture} to a consumer factory's {@code interceptor.classes} (after those
     * already there) and this object under {@link #CONFIG_KEY}. Idempotent.
     *
     * @param consumerFactory the consumer factory of the containers to deduplicate
     * @throws IllegalStateException when the factory's configuration cannot be updated
     */
    public void applyTo(ConsumerFactory<?, ?> consumerFactory) {
        Map<String, Object> configs;
        try {
            configs = consumerFactory.getConfigurationProperties();
        } catch (UnsupportedOperationException e) {
            throw new IllegalStateException("cannot read the configuration of the consumer factory " + consumerFactory
                    + "; use a DefaultKafkaConsumerFactory, or add " + PollCapture.class.getName()
                    + " to interceptor.classes and this ContainerDedup under " + CONFIG_KEY + " yourself");
        }
        List<Object> interceptors = interceptorList(configs.get(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG));
        boolean present = interceptors.stream()
                .anyMatch(i ->
                        i == PollCapture.class || PollCapture.class.getName().equals(i));
        if (!present) {
            interceptors.add(PollCapture.class);
        }
        Map<String, Object> updates = new HashMap<>();
        updates.put(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, interceptors);
        updates.put(CONFIG_KEY, this);
        try {
            consumerFactory.updateConfigs(updates);
        } catch (UnsupportedOperationException e) {
            throw new IllegalStateException("the consumer factory " + consumerFactory + " cannot be updated; use a "
                    + "DefaultKafkaConsumerFactory, or add " + PollCapture.class.getName()
                    + " to interceptor.classes and this ContainerDedup under " + CONFIG_KEY + " yourself");
        }
    }

    private static List<Object> interceptorList(@Nullable Object value) {
        List<Object> list = new ArrayList<>();
        if (value instanceof List<?> l) {
            list.addAll(l);
        } else if (value instanceof String s) {
            for (String name : s.split(",")) {
                if (!name.isBlank()) {
                    list.add(name.trim());
                }
            }
        } else if (value != null) {
            list.add(value);
        }
        return list;
    }

    /** Opens the session of one consumer, from its configuration (group.id, client.id, overrides). */
    ConsumerSession openSession(Map<String, ?> consumerConfigs) {
        Object enabledValue = consumerConfigs.get(ENABLED);
        boolean enabled = enabledByDefault;
        if (enabledValue != null) {
            String text = enabledValue.toString().trim();
            if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
                throw new ConfigException(ENABLED, enabledValue, "must be true or false");
            }
            enabled = Boolean.parseBoolean(text);
        }
        Object namespace = consumerConfigs.get(NAMESPACE);
        if (namespace == null) {
            namespace = config.namespace();
        }
        if (namespace == null || namespace.toString().isEmpty()) {
            namespace = consumerConfigs.get(ConsumerConfig.GROUP_ID_CONFIG);
        }
        if (namespace == null || namespace.toString().isEmpty()) {
            if (enabled) {
                throw new ConfigException(NAMESPACE + " is not set and the consumer has no "
                        + ConsumerConfig.GROUP_ID_CONFIG + "; give the listener a group id or set " + NAMESPACE);
            }
            namespace = "unused";
        }
        DedupConfig own = config.toBuilder().namespace(namespace.toString()).build();
        String owner = DedupEngine.newOwner(consumerConfigs.get(ConsumerConfig.CLIENT_ID_CONFIG), "spring-consumer");
        return new ConsumerSession(DedupEngine.create(store, own, owner), enabled);
    }

    @Override
    public String toString() {
        return "ContainerDedup[" + store.description() + ", " + config + "]";
    }
}
