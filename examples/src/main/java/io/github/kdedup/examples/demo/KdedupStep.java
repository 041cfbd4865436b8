package io.github.kdedup.examples.demo;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.Origin;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Claim the whole poll in one batch, handle the records this consumer now owns, complete each claim
 * as soon as its handler returned, release it when the handler threw.
 */
final class KdedupStep implements DedupStep {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration RETENTION = Duration.ofHours(1);

    private final IdempotencyStore store;
    private final String namespace;
    private final String owner;
    private final DemoStats stats;

    KdedupStep(IdempotencyStore store, String namespace, String owner, DemoStats stats) {
        this.store = store;
        this.namespace = namespace;
        this.owner = owner;
        this.stats = stats;
    }

    @Override
    public void process(
            List<ConsumerRecord<String, String>> records, Consumer<ConsumerRecord<String, String>> handler) {
        List<ClaimRequest> requests = new ArrayList<>(records.size());
        for (ConsumerRecord<String, String> r : records) {
            requests.add(new ClaimRequest(
                    namespace, eventId(r), new Origin(r.topic(), r.partition(), r.offset()), owner, null, LEASE));
        }
        List<ClaimResult> results = store.claim(requests);
        for (int i = 0; i < records.size(); i++) {
            ClaimResult result = results.get(i);
            result.cause()
                    .ifPresent(cause -> stats.duplicate(
                            cause,
                            result.request().key(),
                            result.request().origin().toString(),
                            result.existing().orElseThrow().origin().toString()));
            if (!result.owns()) {
                continue;
            }
            Claim claim = result.claim();
            try {
                handler.accept(records.get(i));
            } catch (RuntimeException e) {
                store.release(List.of(claim));
                throw e;
            }
            store.complete(List.of(claim), RETENTION);
        }
    }

    static String eventId(ConsumerRecord<String, String> record) {
        Header header = record.headers().lastHeader(EventProducer.EVENT_ID_HEADER);
        return header == null
                ? record.topic() + "-" + record.partition() + "@" + record.offset()
                : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {}
}
