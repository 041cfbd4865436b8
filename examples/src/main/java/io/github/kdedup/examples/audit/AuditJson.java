package io.github.kdedup.examples.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Writes an audit result as one JSON document for scripts: the totals, the extra copies by cause,
 * and up to {@code maxKeys} duplicated keys with every copy. Field names are stable; causes are
 * written as {@code producer-retry}, {@code republished}, {@code key-reused}. Stateless and
 * thread-safe.
 */
final class AuditJson {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AuditJson() {}

    static void write(DuplicateAudit.Result result, PrintWriter out, int maxKeys) {
        ObjectNode root = JSON.createObjectNode();
        root.put("topic", result.topic());
        root.put("key", result.keySource());
        root.put("recordsRead", result.recordsRead());
        root.put("recordsWithoutKey", result.recordsWithoutKey());
        root.put("distinctKeys", result.distinctKeys());
        root.put("duplicatedKeys", result.duplicates().size());
        root.put("extraCopies", result.extraCopies());
        ObjectNode byCause = root.putObject("extraCopiesByCause");
        result.byCause().forEach((cause, n) -> byCause.put(name(cause), n));
        ArrayNode keys = root.putArray("keys");
        for (DuplicateAudit.DuplicateKey d : result.duplicates()
                .subList(0, Math.min(maxKeys, result.duplicates().size()))) {
            ObjectNode key = keys.addObject();
            key.put("key", d.key());
            ArrayNode copies = key.putArray("copies");
            for (int i = 0; i < d.copies().size(); i++) {
                DuplicateAudit.Copy c = d.copies().get(i);
                ObjectNode copy = copies.addObject();
                copy.put("partition", c.partition());
                copy.put("offset", c.offset());
                copy.put("timestamp", c.timestamp().toString());
                copy.put("timestampType", c.timestampType().name);
                copy.put("payloadHash", c.payloadHash());
                if (i > 0) {
                    copy.put("cause", name(d.cause(i)));
                }
                ObjectNode headers = copy.putObject("headers");
                c.headers().forEach(headers::put);
            }
        }
        root.put("keysOmitted", Math.max(0, result.duplicates().size() - maxKeys));
        try {
            out.println(JSON.writeValueAsString(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serialises", e);
        }
    }

    private static String name(DuplicateAudit.Cause cause) {
        return cause.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
