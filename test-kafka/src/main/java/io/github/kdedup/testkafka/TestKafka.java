package io.github.kdedup.testkafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * The one real Kafka broker of a test JVM: Apache Kafka's own test kit ({@link KafkaClusterTestKit})
 * with one combined KRaft broker/controller node on loopback, and the few client helpers the tests
 * share (unique topics, publishing events with an {@code event-id} header, consumer properties, a
 * {@code read_committed} reader).
 *
 * <p>What it starts and stops: {@link #bootstrapServers()} (and every helper, which calls it) formats
 * and starts the node on first use, once per JVM, and waits until the broker serves clients;
 * {@link StopTestKafkaAtSessionEnd} closes it, deleting its log directories, when the JUnit session
 * ends. A test never stops it: other test classes of the same JVM use it after. Not a shutdown hook:
 * a broker still shutting down while the JVM exits can make the test fork exit with an error after
 * every test passed. Tests isolate themselves with unique topics and group ids ({@link
 * #uniqueName(String)}), never with a broker of their own.
 *
 * <p>The cluster has the features a freshly formatted production broker has (the consumer group
 * protocol among them). The configuration is the union of what the tests need, fixed for the JVM (a per-test override
 * would depend on which test started the broker first): replication factors of 1 for the internal
 * topics and no initial rebalance delay, so that groups and transactions work on a single node; a
 * minimum session timeout of 500 ms, so that consumers with short session timeouts (to see a killed
 * member leave quickly) may join; no automatic topic creation: tests create their topics with
 * {@link #createTopic(String, int)} or an {@code Admin}.
 *
 * <p>Thread-safe: the start and the stop are synchronized; the helpers open their own clients.
 */
public final class TestKafka {

    private static KafkaClusterTestKit cluster;

    private TestKafka() {}

    /**
     * Returns the broker's {@code bootstrap.servers}, starting the broker if this JVM has none yet.
     *
     * @throws IllegalStateException when the broker did not start
     */
    public static synchronized String bootstrapServers() {
        if (cluster == null) {
            cluster = start();
        }
        return cluster.bootstrapServers();
    }

    private static KafkaClusterTestKit start() {
        try {
            KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                            .setCombined(true)
                            .setNumBrokerNodes(1)
                            .setNumControllerNodes(1)
                            .setBootstrapMetadata(productionFeatures())
                            .build())
                    // without replication factors of 1 no group or transaction forms on one node
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("transaction.state.log.num.partitions", "1")
                    // a group's first member gets its partitions at once, not after 3 s
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    // consumers with session timeouts below the default minimum of 6 s may join
                    .setConfigProp("group.min.session.timeout.ms", "500")
                    // a SIGKILLed transactional producer's open transaction is aborted after its own
                    // timeout, which may be up to this long (Kafka's default, stated for the reader)
                    .setConfigProp("transaction.max.timeout.ms", "900000")
                    // a test that forgets to create its topic fails at once instead of writing to an
                    // auto-created one-partition topic; and a consumer left polling a deleted topic
                    // cannot bring it back under a later test that compares topic lists
                    .setConfigProp("auto.create.topics.enable", "false")
                    .build();
            try {
                kit.format();
                kit.startup();
                kit.waitForReadyBrokers();
            } catch (Exception e) {
                kit.close();
                throw e;
            }
            return kit;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("could not start the in-JVM Kafka broker: " + e, e);
        }
    }

    /**
     * The latest production metadata version with every production feature at its default level, as
     * {@code kafka-storage.sh format} writes them. The test kit's own {@code setBootstrapMetadataVersion}
     * sets the metadata version alone, which leaves {@code group.version} at 0: no consumer group
     * protocol (KIP-848), which the examples' tests use, and no transactions v2 (KIP-890) either.
     */
    private static BootstrapMetadata productionFeatures() {
        MetadataVersion version = MetadataVersion.latestProduction();
        Map<String, Short> levels = new HashMap<>();
        for (Feature feature : Feature.PRODUCTION_FEATURES) {
            // kraft.version belongs to the quorum's own log, not to the bootstrap records
            if (feature != Feature.KRAFT_VERSION) {
                levels.put(feature.featureName(), feature.defaultLevel(version));
            }
        }
        return BootstrapMetadata.fromVersions(version, levels, "kdedup test-kafka");
    }

    /** Stops the broker, if this JVM started one; called once, when the test session ends. */
    static synchronized void stop() {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (Exception e) {
                // the session is over and every test has its result: report, do not fail the fork
                System.err.println("could not stop the in-JVM Kafka broker: " + e);
            } finally {
                cluster = null;
            }
        }
    }

    /** Returns {@code prefix-} and 8 random hex digits: a topic, group or application id of one test. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Returns {@code prefix-0} to {@code prefix-(n-1)}. */
    public static List<String> ids(String prefix, int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(prefix + "-" + i);
        }
        return ids;
    }

    /**
     * Creates a topic with a {@linkplain #uniqueName(String) unique name} and waits until every
     * partition has a leader.
     *
     * @return the topic's name
     */
    public static String createTopic(String prefix, int partitions) {
        String topic = uniqueName(prefix);
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all()
                    .get();
            // A produce right after creation can meet NOT_LEADER_OR_FOLLOWER: wait for every leader.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!hasLeaders(admin, topic)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + topic + " has no leader after 30 s");
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + topic, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not create topic " + topic, e);
        }
        return topic;
    }

    /** Whether every partition has a leader; right after creation the topic may still be unknown. */
    private static boolean hasLeaders(Admin admin, String topic) throws InterruptedException {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                    .allMatch(p -> p.leader() != null && !p.isr().isEmpty());
        } catch (ExecutionException e) {
            return false;
        }
    }

    /**
     * Publishes one record per id, in order and flushed: the id as the key and in the {@code event-id}
     * header (kdedup's default key), {@code value-<id>} as the value. {@code ids} may repeat
     * (republished copies).
     */
    public static void publish(String topic, List<String> ids) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // One batch in flight: a retried batch can never land behind a later one, which an
        // idempotent producer would otherwise retry for ever as OUT_OF_ORDER_SEQUENCE_NUMBER.
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

    /**
     * Properties of a String consumer in {@code groupId}: manual commits, from the beginning, at most 50
     * records a poll, and a 6 s session timeout with 500 ms heartbeats. A mutable copy, to adjust.
     */
    public static Map<String, Object> consumerProperties(String groupId) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
        return p;
    }

    /**
     * Reads a topic from the beginning with {@code read_committed}, in a group of its own, until
     * {@code expected} records came and then nothing more for {@code quiet}, or {@code within} passed.
     *
     * @return every record read, possibly fewer than {@code expected} (the caller asserts)
     */
    public static List<ConsumerRecord<String, String>> readCommitted(
            String topic, int expected, Duration quiet, Duration within) {
        Map<String, Object> p = consumerProperties(uniqueName("reader"));
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, String>> all = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
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

    /** Returns the state of a consumer group as the broker sees it (for example PREPARING_REBALANCE). */
    public static GroupState groupState(String group) {
        try (Admin admin = admin()) {
            return admin.describeConsumerGroups(List.of(group))
                    .describedGroups()
                    .get(group)
                    .get()
                    .groupState();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing group " + group, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not describe group " + group, e);
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }
}
