package io.github.kdedup.spring.boot;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * One real KRaft broker (Apache Kafka's own test kit, one combined node) for the whole test JVM, as
 * core's tests start it (core's helper is test code of another module, so it cannot be shared
 * without publishing a test jar of core). Started on first use, stopped by {@link
 * StopKafkaAtSessionEnd}. Tests use unique topics and group ids. Thread-safe.
 */
final class KafkaBroker {

    private static KafkaClusterTestKit cluster;

    private KafkaBroker() {}

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

    /** Creates a topic with a unique name. */
    static String newTopic(String prefix, int partitions) {
        String topic = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all()
                    .get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("could not create topic " + topic, e);
        }
        return topic;
    }

    /** Returns the state of a consumer group as the broker sees it (for example PREPARING_REBALANCE). */
    static GroupState groupState(String group) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            return admin.describeConsumerGroups(List.of(group))
                    .describedGroups()
                    .get(group)
                    .get()
                    .groupState();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("could not describe group " + group, e);
        }
    }

    /** A producer of string records. */
    static KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(),
                new StringSerializer());
    }

    /** Sends events with an {@code event-id} header; {@code ids} may repeat (republished copies). */
    static void send(String topic, List<String> ids) {
        try (KafkaProducer<String, String> producer = producer()) {
            for (String id : ids) {
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, id, "payload-" + id);
                record.headers().add("event-id", id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                producer.send(record);
            }
            producer.flush();
        }
    }
}
