package io.github.kdedup.kafka;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.kdedup.IdempotencyKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Bytes;

/**
 * The only class that touches Jackson (an optional dependency): it is loaded only when a {@code
 * json:} key or a {@code json-sha256:} fingerprint is configured. Jackson is Kafka's own JSON library
 * (its broker and Connect ship it), so applications that use Kafka's JSON tooling already have it.
 */
final class JsonPointers {

    private JsonPointers() {}

    static KeyExtractor keyExtractor(String pointer) {
        Parsed parsed = parse(pointer);
        return record -> {
            JsonNode node = parsed.at(record, "key");
            if (node.isMissingNode() || node.isNull()) {
                return null;
            }
            if (node.isContainerNode()) {
                throw new UnreadableKeyException("the JSON key at " + pointer + " is an "
                        + (node.isObject() ? "object" : "array") + ", not a text or number");
            }
            String text = node.isTextual() ? node.textValue() : node.toString();
            return text.isEmpty() ? null : text;
        };
    }

    static Fingerprinter fingerprinter(String pointer) {
        Parsed parsed = parse(pointer);
        return record -> {
            if (record.value() == null) {
                return null;
            }
            JsonNode node = parsed.at(record, "fingerprint");
            if (node.isMissingNode()) {
                return null;
            }
            return IdempotencyKeys.sha256Hex(node.toString().getBytes(StandardCharsets.UTF_8));
        };
    }

    private static Parsed parse(String pointer) {
        ObjectMapper mapper;
        try {
            mapper = new ObjectMapper();
        } catch (LinkageError e) {
            throw new IllegalStateException(
                    "json: keys and fingerprints need com.fasterxml.jackson.core:jackson-databind on the class path",
                    e);
        }
        try {
            return new Parsed(mapper, JsonPointer.compile(pointer));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "'" + pointer + "' is not a JSON pointer (RFC 6901, such as /orderId or /order/id): "
                            + e.getMessage(),
                    e);
        }
    }

    private record Parsed(ObjectMapper mapper, JsonPointer pointer) {
        JsonNode at(ConsumerRecord<?, ?> record, String what) {
            Object value = record.value();
            if (value == null) {
                throw new UnreadableKeyException("the value is null (a tombstone), so it has no JSON " + what);
            }
            try {
                JsonNode root;
                if (value instanceof byte[] bytes) {
                    root = mapper.readTree(bytes);
                } else if (value instanceof Bytes bytes) {
                    root = mapper.readTree(bytes.get());
                } else if (value instanceof String text) {
                    root = mapper.readTree(text);
                } else if (value instanceof JsonNode node) {
                    root = node;
                } else {
                    throw new UnreadableKeyException(
                            "a JSON " + what + " needs a String, byte[] or JsonNode value, got "
                                    + value.getClass().getName());
                }
                if (root == null || root.isMissingNode()) {
                    throw new UnreadableKeyException("the value is empty, not JSON");
                }
                return root.at(pointer);
            } catch (IOException e) {
                String message = String.valueOf(e.getMessage());
                int newline = message.indexOf('\n');
                throw new UnreadableKeyException(
                        "the value is not JSON: " + (newline < 0 ? message : message.substring(0, newline)), e);
            }
        }
    }
}
