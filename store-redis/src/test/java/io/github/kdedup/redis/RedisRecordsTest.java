package io.github.kdedup.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimState;
import io.github.kdedup.Origin;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The key layout and record encoding survive every delimiter and escape character. */
class RedisRecordsTest {

    @Test
    @DisplayName("a record whose text fields hold the separator and escape characters decodes to the same fields")
    void shouldRoundTripAwkwardFields() {
        ClaimRequest request = new ClaimRequest(
                "ns", "k", new Origin("to|pic%7C%", 7, 42), "own|er%25", "fp|%|", Duration.ofSeconds(1));

        String value = RedisRecords.inProgress(request, "tok");
        RedisRecords.Decoded decoded = RedisRecords.decode(value);

        assertThat(value).startsWith(RedisRecords.fence("tok") + RedisRecords.origin(request.origin()));
        assertThat(value.chars().filter(c -> c == '|')).hasSize(7);
        assertThat(decoded.state()).isEqualTo(ClaimState.IN_PROGRESS);
        assertThat(decoded.origin()).isEqualTo(request.origin());
        assertThat(decoded.owner()).isEqualTo("own|er%25");
        assertThat(decoded.fingerprint()).isEqualTo("fp|%|");
        assertThat(decoded.token()).isEqualTo("tok");
    }

    @Test
    @DisplayName("a record of format 1, written before the token moved forward, still decodes to the same fields")
    void shouldDecodeFormatOne() {
        RedisRecords.Decoded decoded = RedisRecords.decode("1|C|to%7Cpic|7|42|tok|own%25er|");

        assertThat(decoded.state()).isEqualTo(ClaimState.COMPLETED);
        assertThat(decoded.origin()).isEqualTo(new Origin("to|pic", 7, 42));
        assertThat(decoded.token()).isEqualTo("tok");
        assertThat(decoded.owner()).isEqualTo("own%er");
        assertThat(decoded.fingerprint()).isNull();
    }

    @Test
    @DisplayName("keys never hold a brace and never collide across the namespace/key boundary")
    void shouldEscapeKeys() {
        String a = RedisRecords.key("kdedup", "a:b", "c");
        String b = RedisRecords.key("kdedup", "a", "b:c");
        String braces = RedisRecords.key("kdedup", "{group}", "{k}%");

        assertThat(a).isNotEqualTo(b);
        assertThat(braces).doesNotContain("{").doesNotContain("}").isEqualTo("kdedup:%7Bgroup%7D:%7Bk%7D%25");
    }
}
