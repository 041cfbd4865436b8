package io.github.kdedup.streams;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * One real KRaft broker (Apache Kafka's own test kit, one combined node) for the whole test JVM,
 * started on first use and stopped by {@link StopKafkaAtSessionEnd}. kafka-tests' and the examples'
 * brokers cannot be reused here: kafka-tests' is test code of another module, and the examples depend on this module.
 * The replication settings of 1 let groups and transactions work on one node. Tests use unique topics
 * and application ids.
 */
final class TestKafka {

    private static KafkaClusterTestKit cluster;

    private TestKafka() {}

    static synchronized String bootstrapServers() {
        if (cluster == null) {
            try {
                KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                                .setCombined(true)
                                .setNumBrokerNodes(1)
                                .setNumControllerNodes(1)
                                .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                                .build())
                        .setConfigProp("offsets.topic.replication.factor", "1")
                        .setConfigProp("offsets.topic.num.partitions", "1")
                        .setConfigProp("transaction.state.log.replication.factor", "1")
                        .setConfigProp("transaction.state.log.min.isr", "1")
                        .setConfigProp("transaction.state.log.num.partitions", "1")
                        .setConfigProp("group.initial.rebalance.delay.ms", "0")
                        .setConfigProp("group.min.session.timeout.ms", "500")
                        // a SIGKILLed transactional producer's open transaction is aborted after this long
                        .setConfigProp("transaction.max.timeout.ms", "900000")
                        .build();
                try {
                    kit.format();
                    kit.startup();
                    kit.waitForReadyBrokers();
                } catch (Exception e) {
                    kit.close();
                    throw e;
                }
                cluster = kit;
            } catch (Exception e) {
                throw new IllegalStateException("could not start the in-JVM Kafka broker: " + e, e);
            }
        }
        return cluster.bootstrapServers();
    }

    static synchronized void stop() {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (Exception e) {
                System.err.println("could not stop the in-JVM Kafka broker: " + e);
            } finally {
                cluster = null;
            }
        }
    }

    static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String createTopic(String prefix, int partitions) {
        String topic = uniqueName(prefix);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all()
                    .get();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!hasLeaders(admin, topic)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + topic + " has no leader after 30 s");
                }
                Thread.sleep(20);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return topic;
    }

    /** Whether every partition has a leader; right after creation the topic may still be unknown. */
    private static boolean hasLeaders(Admin admin, String topic) throws InterruptedException {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                    .allMatch(p -> p.leader() != null && !p.isr().isEmpty());
        } catch (java.util.concurrent.ExecutionException e) {
            return false;
        }
    }

    /** Publishes one record per id, the id in the {@code event-id} header and as the record key. */
    static void publish(String topic, List<String> ids) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (String id : ids) {
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, id, "value-" + id);
                record.headers().add("event-id", id.getBytes(StandardCharsets.UTF_8));
                producer.send(record);
            }
            producer.flush();
        }
    }

    static List<String> ids(String prefix, int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(prefix + "-" + i);
        }
        return ids;
    }

    /**
     * Reads a topic from the beginning with {@code read_committed} until {@code expected} records came
     * and then nothing more for {@code quiet}, or {@code within} passed.
     */
    static List<ConsumerRecord<String, String>> readCommitted(
            String topic, int expected, Duration quiet, Duration within) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, uniqueName("reader"));
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, String>> all = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + within.toNanos();
            long lastNew = System.nanoTime();
            while (System.nanoTime() < deadline) {
                int before = all.size();
                consumer.poll(Duration.ofMillis(100)).forEach(all::add);
                if (all.size() != before) {
                    lastNew = System.nanoTime();
                }
                if (all.size() >= expected && System.nanoTime() - lastNew > quiet.toNanos()) {
                    break;
                }
            }
        }
        return all;
    }
}
