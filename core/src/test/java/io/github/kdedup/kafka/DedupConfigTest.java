package io.github.kdedup.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.kdedup.ClaimResult;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("kdedup.* properties")
class DedupConfigTest {

    /** A listener for {@code kdedup.listener}, loaded by its class name. */
    public static final class NoopListener implements DedupListener {

        /** Called by Kafka's config. */
        public NoopListener() {}

        @Override
        public void onDuplicate(ConsumerRecord<?, ?> record, ClaimResult result) {}
    }

    private static Map<String, Object> props(Object... pairs) {
        Map<String, Object> p = new HashMap<>();
        p.put("kdedup.store", "memory:");
        p.put("group.id", "billing");
        for (int i = 0; i < pairs.length; i += 2) {
            p.put((String) pairs[i], pairs[i + 1]);
        }
        return p;
    }

    @Test
    @DisplayName("the defaults are header:event-id, group.id, PT5M, P7D and the safe policies")
    void shouldApplyDefaults() {
        DedupConfig config = DedupConfig.fromProperties(props());
        assertThat(config.namespace()).isEqualTo("billing");
        assertThat(config.lease()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.retention()).isEqualTo(Duration.ofDays(7));
        assertThat(config.hashLongKeys()).isFalse();
        assertThat(config.onMissingKey()).isEqualTo(MissingKeyPolicy.PROCESS);
        assertThat(config.onStoreUnavailable()).isEqualTo(StoreUnavailablePolicy.FAIL);
        assertThat(config.onFingerprintMismatch()).isEqualTo(FingerprintMismatchPolicy.DROP);
        assertThat(config.metrics()).isSameAs(DedupMetrics.NOOP);
    }

    @Test
    @DisplayName("every property is read, policies case-insensitively")
    void shouldReadEveryProperty() {
        DedupConfig config = DedupConfig.fromProperties(props(
                "kdedup.namespace", "audit",
                "kdedup.key", "json:/id",
                "kdedup.lease", "PT30S",
                "kdedup.retention", "P1D",
                "kdedup.fingerprint", "value-sha256",
                "kdedup.key.hash-long-keys", "true",
                "kdedup.on-missing-key", "SKIP",
                "kdedup.on-store-unavailable", "pass-through",
                "kdedup.on-fingerprint-mismatch", "fail",
                "kdedup.metrics", "global",
                "kdedup.listener", NoopListener.class.getName()));
        assertThat(config.namespace()).isEqualTo("audit");
        assertThat(config.lease()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.retention()).isEqualTo(Duration.ofDays(1));
        assertThat(config.hashLongKeys()).isTrue();
        assertThat(config.onMissingKey()).isEqualTo(MissingKeyPolicy.SKIP);
        assertThat(config.onStoreUnavailable()).isEqualTo(StoreUnavailablePolicy.PASS_THROUGH);
        assertThat(config.onFingerprintMismatch()).isEqualTo(FingerprintMismatchPolicy.FAIL);
        assertThat(config.metrics()).isInstanceOf(MicrometerDedupMetrics.class);
        assertThat(config.listener()).isInstanceOf(NoopListener.class);
    }

    @Test
    @DisplayName("a bad policy names the property and the accepted values")
    void shouldRejectBadPolicy() {
        assertThatThrownBy(() -> DedupConfig.fromProperties(props("kdedup.on-missing-key", "maybe")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kdedup.on-missing-key")
                .hasMessageContaining("maybe")
                .hasMessageContaining("PROCESS, SKIP, FAIL");
        assertThatThrownBy(() -> DedupConfig.fromProperties(props("kdedup.on-store-unavailable", "ignore")))
                .hasMessageContaining("kdedup.on-store-unavailable")
                .hasMessageContaining("PASS-THROUGH")
                .hasMessageContaining("FAIL");
    }

    @Test
    @DisplayName("an unknown kdedup property is an error that lists the known ones")
    void shouldRejectUnknownProperty() {
        assertThatThrownBy(() -> DedupConfig.fromProperties(props("kdedup.lese", "PT1M")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kdedup.lese")
                .hasMessageContaining("kdedup.lease");
    }

    @Test
    @DisplayName("durations must be ISO-8601 and the retention at least the lease")
    void shouldRejectBadDurations() {
        assertThatThrownBy(() -> DedupConfig.fromProperties(props("kdedup.lease", "5m")))
                .hasMessageContaining("kdedup.lease")
                .hasMessageContaining("ISO-8601");
        assertThatThrownBy(() -> DedupConfig.fromProperties(props("kdedup.lease", "PT1H", "kdedup.retention", "PT10M")))
                .hasMessageContaining("kdedup.retention (PT10M) must not be shorter than kdedup.lease (PT1H)");
        assertThatThrownBy(() -> DedupConfig.fromProperties(props("kdedup.lease", "P2D")))
                .hasMessageContaining("kdedup.lease")
                .hasMessageContaining("PT24H");
    }

    @Test
    @DisplayName("a bad key extractor or fingerprint lists the accepted forms")
    void shouldRejectBadExtractor() {
        assertThatThrownBy(() -> DedupConfig.fromProperties(props("kdedup.key", "value")))
                .hasMessageContaining("kdedup.key")
                .hasMessageContaining("header:NAME")
                .hasMessageContaining("json:/pointer");
        assertThatThrownBy(() -> DedupConfig.fromProperties(props("kdedup.key", "json:id")))
                .hasMessageContaining("kdedup.key")
                .hasMessageContaining("JSON pointer");
        assertThatThrownBy(() -> DedupConfig.fromProperties(props("kdedup.fingerprint", "md5")))
                .hasMessageContaining("kdedup.fingerprint")
                .hasMessageContaining("value-sha256");
    }

    @Test
    @DisplayName("the store URI is required")
    void shouldRequireStore() {
        Map<String, Object> p = props();
        p.remove("kdedup.store");
        assertThatThrownBy(() -> DedupConfig.fromProperties(p)).hasMessageContaining("kdedup.store");
    }

    @Test
    @DisplayName("bad properties fail the consumer's construction with the property named")
    void shouldFailConsumerConstruction() {
        Map<String, Object> p = props(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                "localhost:1",
                ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG,
                DedupConsumerInterceptor.class.getName(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName(),
                "kdedup.on-fingerprint-mismatch",
                "ignore");
        assertThatThrownBy(() -> new KafkaConsumer<String, String>(p).close())
                .isInstanceOf(KafkaException.class)
                .rootCause()
                .hasMessageContaining("kdedup.on-fingerprint-mismatch")
                .hasMessageContaining("DROP")
                .hasMessageContaining("PROCESS")
                .hasMessageContaining("FAIL");
        p.put("kdedup.on-fingerprint-mismatch", "drop");
        p.put("kdedup.store", "nosuch://x");
        assertThatThrownBy(() -> new KafkaConsumer<String, String>(p).close())
                .rootCause()
                .hasMessageContaining("no store opens 'nosuch:'");
        p.put("kdedup.store", "memory:");
        p.remove("group.id");
        assertThatThrownBy(() -> new KafkaConsumer<String, String>(p).close())
                .rootCause()
                .hasMessageContaining("kdedup.namespace is not set and the consumer has no group.id");
    }
}
