package io.github.kdedup.examples.samples;

import io.github.kdedup.cli.StoreSchemes;
import io.github.kdedup.examples.broker.EmbeddedKafka;
import io.github.kdedup.examples.demo.EventProducer;
import io.github.kdedup.jdbc.JdbcIdempotencyStore;
import io.github.kdedup.jdbc.SqlDialect;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kdedup-demo sample NAME}: runs one of the sample consumers of this package end to end. It
 * writes a topic of events of which a share was republished, runs the sample on it until every
 * event arrived (and a little longer, so that a leaked copy would show), and prints what the
 * handler did: each event once, or which events ran twice. Exit code 0 when each event was handled
 * once, 1 otherwise. On an external cluster (and database) it deletes what it created unless
 * {@code --keep}. One run per instance; not thread-safe.
 */
@Command(
        name = "sample",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Runs one sample consumer on a topic with republished events.",
        description = {
            "Runs one sample consumer of examples/.../samples on a topic it writes (a share of",
            "the events written twice) and prints what the handler did. Without",
            "--bootstrap-servers it runs Apache Kafka in this JVM.",
            ""
        })
public final class SampleCommand implements Callable<Integer> {

    /** The samples, by the name the command line takes. */
    enum Sample {
        INTERCEPTOR("InterceptorConsumer: the consumer interceptor, properties only"),
        PROCESSOR("ProcessorConsumer: the record processor, claim -> handler -> complete"),
        RELAY("TransactionalRelayConsumer: consume-transform-produce in Kafka transactions"),
        POSTGRES_LEDGER("PostgresLedgerConsumer: the claim in the same PostgreSQL transaction as the row");

        final String title;

        Sample(String title) {
            this.title = title;
        }

        String cliName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private static final Duration DEADLINE = Duration.ofSeconds(120);
    /** How long an unreachable cluster is waited for before the command ends with exit code 3. */
    private static final Duration REACH_TIMEOUT = Duration.ofSeconds(15);

    private static final Duration QUIET_AFTER_LAST = Duration.ofMillis(1500);

    @Parameters(
            index = "0",
            paramLabel = "NAME",
            converter = SampleConverter.class,
            description = "interceptor, processor, relay or postgres-ledger")
    Sample sample = Sample.INTERCEPTOR;

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOST:PORT",
            description = "An existing Kafka cluster. Default: start Apache Kafka (KRaft) in this JVM.")
    @Nullable
    String bootstrapServers;

    @Option(
            names = "--store",
            paramLabel = "URI",
            defaultValue = "memory:",
            description = "The store of interceptor, processor and relay. Default: ${DEFAULT-VALUE}")
    String store = "memory:";

    @Option(
            names = "--jdbc-url",
            paramLabel = "URL",
            defaultValue = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres",
            description = "The PostgreSQL database of postgres-ledger. Default: ${DEFAULT-VALUE}")
    String jdbcUrl = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    @Option(
            names = "--events",
            defaultValue = "1000",
            description = "Unique events to write. Default: ${DEFAULT-VALUE}")
    int events = 1000;

    @Option(
            names = "--republish-share",
            paramLabel = "SHARE",
            defaultValue = "0.2",
            description = "Share of events written a second time. Default: ${DEFAULT-VALUE}")
    double republishShare = 0.2;

    @Option(
            names = "--keep",
            description = "Keep the topics, the group and the tables this run created (default: delete them).")
    boolean keep;

    @CommandLine.Spec
    CommandLine.Model.@Nullable CommandSpec spec;

    /** Counts handler calls per event id. Thread-safe. */
    private static final class Handled {
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

        void add(ConsumerRecord<String, String> record) {
            calls.computeIfAbsent(eventId(record), k -> new AtomicInteger()).incrementAndGet();
        }

        int total() {
            return calls.values().stream().mapToInt(AtomicInteger::get).sum();
        }

        long twice() {
            return calls.values().stream().filter(n -> n.get() > 1).count();
        }
    }

    @Override
    public Integer call() throws Exception {
        CommandLine cli = spec == null ? new CommandLine(this) : spec.commandLine();
        if (events < 1 || events > 1_000_000) {
            throw new CommandLine.ParameterException(cli, "--events must be 1 to 1000000, got " + events);
        }
        if (republishShare < 0 || republishShare > 1) {
            throw new CommandLine.ParameterException(
                    cli, "--republish-share must be between 0 and 1, got " + republishShare);
        }
        StoreSchemes.requireKnown(store, cli);
        PrintWriter out = cli.getOut();
        out.println("sample " + sample.cliName() + ": " + sample.title);
        if (bootstrapServers != null) {
            return run(bootstrapServers, false, out);
        }
        out.println("starting Apache Kafka (KRaft, one node) in this JVM ...");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            return run(kafka.bootstrapServers(), true, out);
        }
    }

    private int run(String bootstrap, boolean embedded, PrintWriter out) throws Exception {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        String topic = "sample-" + sample.cliName() + "-" + runId;
        String output = topic + "-out";
        String group = "kdedup-sample-" + runId;
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                (int) REACH_TIMEOUT.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5000))) {
            createTopics(admin, embedded, sample == Sample.RELAY ? List.of(topic, output) : List.of(topic));
            try {
                EventProducer.Produced produced =
                        new EventProducer(bootstrap, topic, 23).produce("evt-" + runId, events, republishShare);
                out.printf(
                        "wrote %d events + %d republished copies = %d records to topic %s%n",
                        produced.events(), produced.copies(), produced.records(), topic);
                Handled handled = new Handled();
                long t0 = System.nanoTime();
                String where = consume(bootstrap, topic, output, group, runId, handled);
                double seconds = (System.nanoTime() - t0) / 1e9;
                out.printf(
                        "consumed as group %s with %s in %.1f s%n",
                        group, sample == Sample.POSTGRES_LEDGER ? "its PostgreSQL transaction" : store, seconds);
                out.printf(
                        "handler calls %d for %d of %d events; %d copies never reached the handler%n",
                        handled.total(), handled.calls.size(), produced.events(), produced.records() - handled.total());
                if (where != null) {
                    out.println(where);
                }
                boolean ok = handled.calls.size() == produced.events() && handled.twice() == 0;
                out.println(
                        ok
                                ? "RESULT: OK, each event handled once"
                                : "RESULT: FAILED, " + (produced.events() - handled.calls.size()) + " events missing, "
                                        + handled.twice() + " handled more than once");
                return ok ? 0 : 1;
            } finally {
                if (!embedded) {
                    cleanUp(admin, out, sample == Sample.RELAY ? List.of(topic, output) : List.of(topic), group);
                }
            }
        }
    }

    /** Runs the chosen sample; returns a line about where its effects went, or {@code null}. */
    private @Nullable String consume(
            String bootstrap, String topic, String output, String group, String runId, Handled handled)
            throws SQLException {
        BooleanSupplier stop = stopWhenAllArrived(handled);
        switch (sample) {
            case INTERCEPTOR -> InterceptorConsumer.run(bootstrap, group, topic, store, handled::add, stop);
            case PROCESSOR -> ProcessorConsumer.run(bootstrap, group, topic, store, handled::add, stop);
            case RELAY -> {
                TransactionalRelayConsumer.run(
                        bootstrap,
                        group,
                        topic,
                        output,
                        store,
                        record -> {
                            handled.add(record);
                            return record.value().toUpperCase(Locale.ROOT);
                        },
                        stop);
                return "relayed each handled record to topic " + output + " in Kafka transactions";
            }
            case POSTGRES_LEDGER -> {
                return ledger(bootstrap, topic, group, runId, handled, stop);
            }
        }
        return null;
    }

    private String ledger(
            String bootstrap, String topic, String group, String runId, Handled handled, BooleanSupplier stop)
            throws SQLException {
        PGSimpleDataSource database = new PGSimpleDataSource();
        database.setURL(jdbcUrl);
        String claims = "kdedup_sample_claims_" + runId;
        String ledger = "kdedup_sample_ledger_" + runId;
        JdbcIdempotencyStore.builder(database)
                .dialect(SqlDialect.POSTGRESQL)
                .table(claims)
                .build()
                .close();
        try {
            try (Connection c = database.getConnection();
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE " + ledger
                        + " (id BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL, payload TEXT NOT NULL)");
            }
            new PostgresLedgerConsumer(database, claims, group, (connection, record) -> {
                        try (PreparedStatement insert = connection.prepareStatement(
                                "INSERT INTO " + ledger + " (event_id, payload) VALUES (?, ?)")) {
                            insert.setString(1, eventId(record));
                            insert.setString(2, record.value());
                            insert.executeUpdate();
                        }
                        handled.add(record);
                    })
                    .run(bootstrap, topic, stop);
            try (Connection c = database.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT event_id) FROM " + ledger)) {
                rs.next();
                return "ledger table " + ledger + ": " + rs.getLong(1) + " rows for " + rs.getLong(2) + " events";
            }
        } finally {
            if (!keep) {
                try (Connection c = database.getConnection();
                        Statement s = c.createStatement()) {
                    s.execute("DROP TABLE IF EXISTS " + ledger);
                    s.execute("DROP TABLE IF EXISTS " + claims);
                }
            }
        }
    }

    /** Stops {@link #QUIET_AFTER_LAST} after every event arrived, or at {@link #DEADLINE}. */
    private BooleanSupplier stopWhenAllArrived(Handled handled) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        long[] allAt = {0};
        return () -> {
            long now = System.nanoTime();
            if (allAt[0] == 0 && handled.calls.size() >= events) {
                allAt[0] = now;
            }
            return now > deadline || allAt[0] != 0 && now - allAt[0] > QUIET_AFTER_LAST.toNanos();
        };
    }

    private static void createTopics(Admin admin, boolean embedded, List<String> names) throws InterruptedException {
        try {
            admin.createTopics(names.stream()
                            .map(n -> new NewTopic(
                                    n, Optional.of(2), embedded ? Optional.of((short) 1) : Optional.empty()))
                            .toList())
                    .all()
                    .get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException timeout) {
                // Kafka's own TimeoutException: the command line maps it to exit code 3.
                throw new org.apache.kafka.common.errors.TimeoutException(
                        "cannot reach Kafka within " + REACH_TIMEOUT.toSeconds()
                                + " s; start a broker, fix --bootstrap-servers, or leave it out to run Kafka in this"
                                + " JVM",
                        timeout);
            }
            throw new IllegalStateException(
                    "cannot create topics " + names + ": " + e.getCause().getMessage(), e);
        }
    }

    private void cleanUp(Admin admin, PrintWriter out, List<String> topics, String group) {
        if (keep) {
            out.println("kept topics " + topics + " and group " + group + " (--keep)");
            return;
        }
        try {
            admin.deleteConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS);
            admin.deleteTopics(topics).all().get(30, TimeUnit.SECONDS);
            out.println("deleted topics " + topics + " and group " + group + " (--keep keeps them)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            out.println("could not delete topics " + topics + " and group " + group + ": " + e.getMessage()
                    + "; delete them with kafka-topics.sh --delete and kafka-consumer-groups.sh --delete");
        }
    }

    private static String eventId(ConsumerRecord<String, String> record) {
        var header = record.headers().lastHeader(EventProducer.EVENT_ID_HEADER);
        return header == null
                ? record.topic() + "-" + record.partition() + "@" + record.offset()
                : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Reads a sample name. */
    static final class SampleConverter implements CommandLine.ITypeConverter<Sample> {
        @Override
        public Sample convert(String value) {
            for (Sample s : Sample.values()) {
                if (s.cliName().equals(value)) {
                    return s;
                }
            }
            throw new CommandLine.TypeConversionException(
                    "expected interceptor, processor, relay or postgres-ledger, got '" + value + "'");
        }
    }
}
