package io.github.kdedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class StoreUriTest {

    @Test
    @DisplayName("finds the scheme, JDBC sub-protocols included")
    void shouldParseSchemes() {
        assertThat(StoreUri.parse("memory:").scheme()).isEqualTo("memory");
        assertThat(StoreUri.parse("REDIS://h:1").scheme()).isEqualTo("redis");
        assertThat(StoreUri.parse("redis-cluster://a:1,b:2").scheme()).isEqualTo("redis-cluster");
        assertThat(StoreUri.parse("jdbc:postgresql://h/db?user=u").scheme()).isEqualTo("jdbc:postgresql");
        assertThatThrownBy(() -> StoreUri.parse("localhost")).hasMessageContaining("needs a scheme");
        assertThatThrownBy(() -> StoreUri.parse("jdbc:nothing")).hasMessageContaining("jdbc:postgresql://");
    }

    @Test
    @DisplayName("decodes query parameters in order")
    void shouldParseParameters() {
        StoreUri uri = StoreUri.parse("redis://h:1/0?poolSize=8&prefix=a%3Ab&flag");
        assertThat(uri.base()).isEqualTo("redis://h:1/0");
        assertThat(uri.parameters())
                .containsExactly(
                        java.util.Map.entry("poolSize", "8"),
                        java.util.Map.entry("prefix", "a:b"),
                        java.util.Map.entry("flag", ""));
    }

    @Test
    @DisplayName("redacts user-info passwords and secret parameters")
    void shouldRedactSecrets() {
        StoreUri uri = StoreUri.parse("rediss://user:s3cr3t@host:6380/2?poolSize=4&password=p4ss&clientToken=t0k");
        assertThat(uri.toString())
                .doesNotContain("s3cr3t")
                .doesNotContain("p4ss")
                .doesNotContain("t0k")
                .contains("user:****@host:6380")
                .contains("poolSize=4");
        assertThat(StoreUri.redact("jdbc:postgresql://h/db?user=u&password=x"))
                .isEqualTo("jdbc:postgresql://h/db?user=u&password=****");
        assertThat(StoreUri.redact("redis://:onlypass@h:1")).isEqualTo("redis://:****@h:1");
    }

    @Test
    @DisplayName("parses typed parameters once, naming the parameter and hiding secrets when one is wrong")
    void shouldParseTypedParameters() {
        StoreUri uri = StoreUri.parse(
                "redis://u:s3cr3t@h:1?timeout=PT0.5S&connectTimeout=1500&poolSize=8&ssl=TRUE&bad=soon&n=0");
        assertThat(uri.durationParameter("timeout")).contains(java.time.Duration.ofMillis(500));
        assertThat(uri.durationParameter("connectTimeout")).contains(java.time.Duration.ofMillis(1500));
        assertThat(uri.durationParameter("absent")).isEmpty();
        assertThat(uri.intParameter("poolSize", 1)).contains(8);
        assertThat(uri.booleanParameter("ssl")).contains(true);
        assertThatThrownBy(() -> uri.durationParameter("bad"))
                .hasMessageContaining("bad must be an ISO-8601 duration")
                .hasMessageContaining("'soon'")
                .hasMessageNotContaining("s3cr3t");
        assertThatThrownBy(() -> uri.intParameter("n", 1)).hasMessageContaining("n must be a whole number >= 1");
        assertThatThrownBy(() -> uri.booleanParameter("bad")).hasMessageContaining("bad must be true or false");
    }
}
