package io.github.kdedup.examples.audit;

import io.github.kdedup.examples.broker.EmbeddedKafka;
import io.github.kdedup.examples.demo.EventProducer;
import io.github.kdedup.kafka.KeyExtractor;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kdedup-demo audit}: lists every key that appears at more than one offset of a topic, with
 * the clues that tell a producer retry from an application republish. Run it before adding a store:
 * producer retries are cured at the producer ({@code enable.idempotence=true}), application
 * republishes only on the consumer side.
 */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Lists the event ids found at more than one offset of a topic.",
        description = {
            "Lists every key seen at more than one offset of a topic (or an offset range),",
            "with offsets, timestamps, headers, the gap between copies and the likely cause.",
            "Without --bootstrap-servers it audits a demo topic in an in-process Kafka.",
            ""
        })
public final class AuditCommand implements Callable<Integer> {

    /** Fixed width, so that a timestamp with zero milliseconds does not shift the columns. */
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "The cluster to audit.")
    @Nullable
    String bootstrapServers;

    @Option(names = "--topic", description = "The topic (required with --bootstrap-servers).")
    @Nullable
    String topic;

    @Option(names = "--partition", split = ",", description = "Partitions to read (default: all).")
    List<Integer> partitions = List.of();

    @Option(names = "--from-offset", defaultValue = "0", description = "First offset to read in each partition.")
    long fromOffset;

    @Option(names = "--to-offset", description = "Offset to stop before in each partition (default: the end).")
    @Nullable
    Long toOffset;

    @Option(
            names = "--key",
            defaultValue = "header:event-id",
            paramLabel = "SPEC",
            description = "Where the event identity is, as kdedup.key: header:NAME, record-key, json:/pointer or"
                    + " topic-partition-offset. Default: ${DEFAULT-VALUE}")
    String key = "header:event-id";

    @Option(names = "--max-keys", defaultValue = "5", description = "Keys to show in detail. Default: ${DEFAULT-VALUE}")
    int maxKeys = 5;

    @Option(
            names = "--seed-events",
            defaultValue = "2000",
            description = "Without --bootstrap-servers: events in the demo topic. Default: ${DEFAULT-VALUE}")
    int seedEvents = 2000;

    @Option(
            names = "--format",
            defaultValue = "text",
            paramLabel = "text|json",
            description = "text for people, json for scripts (one JSON document on standard output). Default:"
                    + " ${DEFAULT-VALUE}")
    String format = "text";

    @Option(
            names = "--progress",
            negatable = true,
            description = "Show progress and an ETA on standard error. Default: on a terminal, or from "
                    + AuditProgress.LARGE + " records on.")
    @Nullable
    Boolean progress;

    @CommandLine.Spec
    CommandLine.Model.@Nullable CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine cli = spec == null ? new CommandLine(this) : spec.commandLine();
        KeyExtractor extractor = parseKey(cli);
        if (maxKeys < 0 || seedEvents < 1 || fromOffset < 0 || toOffset != null && toOffset < fromOffset) {
            throw new CommandLine.ParameterException(
                    cli, "--max-keys >= 0, --seed-events >= 1, 0 <= --from-offset <= --to-offset");
        }
        boolean json =
                switch (format) {
                    case "text" -> false;
                    case "json" -> true;
                    default ->
                        throw new CommandLine.ParameterException(
                                cli, "--format must be text or json, got '" + format + "'");
                };
        PrintWriter out = cli.getOut();
        DuplicateAudit.Result result;
        if (bootstrapServers == null) {
            try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
                String demoTopic = "orders";
                createTopic(kafka.bootstrapServers(), demoTopic);
                EventProducer.Produced produced =
                        new EventProducer(kafka.bootstrapServers(), demoTopic, 7).produce("evt", seedEvents, 0.1);
                if (!json) {
                    out.printf(
                            "(no --bootstrap-servers: seeded topic '%s' in an in-process Kafka with %d events and %d"
                                    + " republished copies)%n%n",
                            demoTopic, produced.events(), produced.copies());
                }
                result = audit(kafka.bootstrapServers(), demoTopic, extractor, cli.getErr());
            }
        } else {
            if (topic == null) {
                throw new CommandLine.ParameterException(cli, "--topic is required with --bootstrap-servers");
            }
            result = audit(bootstrapServers, topic, extractor, cli.getErr());
        }
        if (json) {
            AuditJson.write(result, out, maxKeys);
        } else {
            print(result, out, maxKeys);
        }
        out.flush();
        return 0;
    }

    private DuplicateAudit.Result audit(
            String bootstrap, String auditedTopic, KeyExtractor extractor, PrintWriter err) {
        AuditProgress shown = new AuditProgress(err, progress, System.console() != null);
        try {
            return DuplicateAudit.audit(
                    bootstrap,
                    auditedTopic,
                    Set.copyOf(partitions),
                    fromOffset,
                    toOffset,
                    extractor,
                    keySource(),
                    shown);
        } finally {
            shown.finish();
        }
    }

    private String keySource() {
        return key.startsWith("header:") ? "header " + key.substring("header:".length()) : key;
    }

    private KeyExtractor parseKey(CommandLine cli) {
        try {
            return KeyExtractor.parse(key);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CommandLine.ParameterException(cli, "--key: " + e.getMessage());
        }
    }

    private static void createTopic(String bootstrap, String name) throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(name, Optional.of(3), Optional.of((short) 1))))
                    .all()
                    .get();
        }
    }

    /**
     * Prints an audit result.
     *
     * @param result the result
     * @param out where to
     * @param maxKeys how many keys to show in detail
     */
    public static void print(DuplicateAudit.Result result, PrintWriter out, int maxKeys) {
        out.printf("duplicate audit of topic %s (key: %s)%n", result.topic(), result.keySource());
        out.printf(
                "  %d records read, %d distinct keys, %d without a key%n",
                result.recordsRead(), result.distinctKeys(), result.recordsWithoutKey());
        out.printf(
                "  %d keys at more than one offset, %d extra copies%n",
                result.duplicates().size(), result.extraCopies());
        if (result.duplicates().isEmpty()) {
            out.println("  no duplicates in this range");
            return;
        }
        out.println("  extra copies by likely cause:");
        result.byCause().forEach((cause, n) -> out.printf("    %-42s %6d   %s%n", cause.label(), n, advice(cause)));
        List<DuplicateAudit.DuplicateKey> detailed = result.duplicates()
                .subList(0, Math.min(maxKeys, result.duplicates().size()));
        // One width for the whole listing, so that long topic names keep the columns aligned.
        int whereWidth = detailed.stream()
                .flatMap(d -> d.copies().stream())
                .mapToInt(c -> c.where(result.topic()).length())
                .max()
                .orElse(20);
        int shown = 0;
        for (DuplicateAudit.DuplicateKey d : result.duplicates()) {
            if (shown++ >= maxKeys) {
                out.printf(
                        "  ... %d more keys (--max-keys)%n", result.duplicates().size() - maxKeys);
                break;
            }
            out.printf("%n  key %s: %d copies%n", d.key(), d.copies().size());
            DuplicateAudit.Copy first = d.copies().get(0);
            for (int i = 0; i < d.copies().size(); i++) {
                DuplicateAudit.Copy c = d.copies().get(i);
                String gap = i == 0
                        ? "first copy"
                        : (c.partition() == first.partition() ? "+" + (c.offset() - first.offset()) + " offsets, " : "")
                                + "+"
                                + Duration.between(first.timestamp(), c.timestamp())
                                        .toMillis() + " ms, "
                                + d.cause(i).label();
                out.printf(
                        "    %-" + whereWidth + "s  %s  %-14s %s  headers %s%n",
                        c.where(result.topic()),
                        TIMESTAMP.format(c.timestamp()),
                        c.timestampType(),
                        gap,
                        c.headers().keySet());
            }
        }
    }

    private static String advice(DuplicateAudit.Cause cause) {
        return switch (cause) {
            case PRODUCER_RETRY -> "fix at the producer: enable.idempotence=true, acks=all";
            case REPUBLISHED -> "only the consumer can drop these: kdedup";
            case KEY_REUSED -> "check the key: two events, or a changed re-send";
        };
    }
}
