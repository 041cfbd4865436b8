package io.github.kdedup.kafka;

import io.github.kdedup.ClaimResult;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** A {@link DedupListener} for {@code kdedup.listener} that keeps every duplicate it hears of. */
public final class RecordingListener implements DedupListener {

    /** One duplicate heard. */
    record Heard(ConsumerRecord<?, ?> record, ClaimResult result) {}

    static final ConcurrentLinkedQueue<Heard> HEARD = new ConcurrentLinkedQueue<>();

    /** Called by Kafka's config. */
    public RecordingListener() {}

    @Override
    public void onDuplicate(ConsumerRecord<?, ?> record, ClaimResult result) {
        HEARD.add(new Heard(record, result));
    }

    static List<Heard> of(String topic) {
        return HEARD.stream().filter(h -> h.record().topic().equals(topic)).toList();
    }
}
