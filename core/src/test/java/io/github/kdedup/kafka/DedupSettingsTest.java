package io.github.kdedup.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("kdedup.* settings declared once")
class DedupSettingsTest {

    private static final Path DOC = Path.of("../docs/configuration.md");
    private static final String BEGIN = "<!-- settings:begin (generated from DedupSettings by DedupSettingsTest) -->\n";
    private static final String END = "<!-- settings:end -->";

    @Test
    @DisplayName(
            "docs/configuration.md lists every setting as DedupSettings declares it (-Dkdedup.docs.write=true rewrites it)")
    void shouldKeepTheDocumentationTableEqual() throws IOException {
        String text = Files.readString(DOC, StandardCharsets.UTF_8);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        assertThat(begin).as("the markers in " + DOC).isNotNegative();
        assertThat(end).as("the markers in " + DOC).isGreaterThan(begin);
        String table = DedupSettings.markdownTable();
        String current = text.substring(begin + BEGIN.length(), end);
        if (!current.equals(table) && Boolean.getBoolean("kdedup.docs.write")) {
            Files.writeString(DOC, text.substring(0, begin + BEGIN.length()) + table + text.substring(end));
            return;
        }
        assertThat(current)
                .as(DOC + " is out of date; run this test with -Dkdedup.docs.write=true to regenerate it")
                .isEqualTo(table);
    }

    @Test
    @DisplayName("every setting is enumerable with key, type, default, description and accepted values")
    void shouldDescribeEverySetting() {
        assertThat(DedupSettings.ALL).hasSize(13);
        for (DedupSetting<?> s : DedupSettings.ALL) {
            assertThat(s.key()).startsWith(DedupConfig.PREFIX);
            assertThat(s.description()).isNotBlank();
            assertThat(DedupSettings.byKey(s.key())).isSameAs(s);
            if (s.defaultText() != null) {
                assertThat(s.defaultValue()).isInstanceOf(s.type());
            }
        }
        assertThat(DedupSettings.ON_STORE_UNAVAILABLE.allowedValues()).containsExactly("fail", "pass-through");
        assertThat(DedupSettings.LEASE.defaultValue()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    @DisplayName("the Kafka ConfigDef is derived from the declarations and checks values with their parsers")
    void shouldDeriveTheConfigDef() {
        ConfigDef def = DedupSettings.configDef();
        assertThat(def.names())
                .containsExactlyInAnyOrderElementsOf(
                        DedupSettings.ALL.stream().map(DedupSetting::key).toList());
        assertThat(def.parse(Map.of(DedupConfig.STORE, "memory:")).get(DedupConfig.LEASE))
                .isEqualTo("PT5M");
        assertThatThrownBy(() -> def.parse(Map.of(DedupConfig.STORE, "memory:", DedupConfig.LEASE, "5m")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kdedup.lease");
    }

    @Test
    @DisplayName("the builder and properties set the same typed values, each parsed once")
    void shouldSetTypedValues() {
        DedupConfig built = DedupConfig.builder()
                .store("memory:")
                .parse(DedupSettings.LEASE, "PT30S")
                .set(DedupSettings.ON_MISSING_KEY, MissingKeyPolicy.SKIP)
                .build();
        assertThat(built.lease()).isEqualTo(Duration.ofSeconds(30));
        assertThat(built.get(DedupSettings.ON_MISSING_KEY)).isEqualTo(MissingKeyPolicy.SKIP);
        assertThat(built.toBuilder().build().get(DedupSettings.LEASE)).isEqualTo(Duration.ofSeconds(30));
        assertThat(built.toString()).contains("lease=PT30S", "on-missing-key=skip");
    }
}
