package io.github.kdedup.examples;

import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.cli.CheckCommand;
import io.github.kdedup.cli.CliErrors;
import io.github.kdedup.cli.InspectCommand;
import io.github.kdedup.cli.StoreSchemes;
import io.github.kdedup.examples.audit.AuditCommand;
import io.github.kdedup.examples.demo.DemoOptions;
import io.github.kdedup.examples.demo.DemoReport;
import io.github.kdedup.examples.demo.DemoRun;
import io.github.kdedup.examples.demo.MetricsEndpoint;
import io.github.kdedup.examples.samples.SampleCommand;
import io.github.kdedup.kafka.CompletionMode;
import io.github.kdedup.kafka.MicrometerDedupMetrics;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar kdedup-demo.jar}: shows duplicates reaching a Kafka consumer group, and kdedup
 * removing them. Exit codes: {@value #OK} done and nothing lost or processed twice (with dedup on);
 * {@value #CHECK_FAILED} an event was lost or processed twice; {@value #USAGE} a bad option or store
 * URI; {@value #KAFKA_UNREACHABLE} Kafka did not answer; {@value #STORE_UNAVAILABLE} the store did
 * not answer; {@value #INTERNAL} anything else.
 */
@Command(
        name = "kdedup-demo",
        mixinStandardHelpOptions = true,
        version = "kdedup demo 0.1.0",
        sortOptions = false,
        subcommands = {AuditCommand.class, SampleCommand.class, InspectCommand.class, CheckCommand.class},
        description = {
            "Produces events with republished copies, runs a consumer group that loses a",
            "member mid-batch, and reports what was processed: with --dedup on each event",
            "once, with --dedup off some twice. Without --bootstrap-servers it runs Apache",
            "Kafka in this JVM, so it needs nothing installed.",
            ""
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done: nothing lost, nothing processed twice (with --dedup on)",
            "1:an event was lost, or processed twice with --dedup on",
            "2:bad option or unknown store URI",
            "3:Kafka unreachable",
            "4:store unreachable",
            "70:internal error"
        })
public final class Demo implements Callable<Integer> {

    /** Done, and the checks passed. */
    public static final int OK = 0;
    /** An event was lost, or processed twice with dedup on. */
    public static final int CHECK_FAILED = 1;
    /** A bad option or store URI. */
    public static final int USAGE = 2;
    /** Kafka did not answer. */
    public static final int KAFKA_UNREACHABLE = 3;
    /** The store did not answer. */
    public static final int STORE_UNAVAILABLE = 4;
    /** Anything else. */
    public static final int INTERNAL = 70;

    @Option(
            names = "--store",
            defaultValue = "memory:",
            paramLabel = "URI",
            description = {
                "Idempotency store, one of:",
                "  memory:",
                "  redis://HOST:6379",
                "  rediss://HOST:6379 (TLS)",
                "  redis-cluster://HOST1:PORT,HOST2:PORT",
                "  jdbc:postgresql://HOST:5432/DB?user=U",
                "  jdbc:mariadb://HOST:3306/DB?user=U",
                "Default: ${DEFAULT-VALUE}"
            })
    String store = "memory:";

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOST:PORT",
            description = "An existing Kafka cluster. Default: start Apache Kafka (KRaft) in this JVM.")
    @Nullable
    String bootstrapServers;

    @Option(
            names = "--events",
            defaultValue = "10000",
            description = "Unique events to produce. Default: ${DEFAULT-VALUE}")
    int events = 10_000;

    @Option(
            names = "--partitions",
            defaultValue = "6",
            description = "Partitions of the topic, at least --consumers. Default: ${DEFAULT-VALUE}")
    int partitions = 6;

    @Option(
            names = "--consumers",
            defaultValue = "3",
            description = "Members of the consumer group. Default: ${DEFAULT-VALUE}")
    int consumers = 3;

    @Option(
            names = "--republish-share",
            defaultValue = "0.1",
            paramLabel = "SHARE",
            description = "Share of events written a second time at a new offset. Default: ${DEFAULT-VALUE}")
    double republishShare = 0.1;

    @Option(
            names = "--crash",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "Kill one consumer mid-batch, before its commit (--no-crash: don't). Default: ${DEFAULT-VALUE}")
    boolean crash = true;

    @Option(
            names = "--dedup",
            defaultValue = "on",
            paramLabel = "on|off",
            arity = "1",
            converter = OnOff.class,
            description = "Use kdedup's record processor (on) or a plain consumer (off). Default: ${DEFAULT-VALUE}")
    boolean dedup = true;

    @Option(
            names = "--completion",
            defaultValue = "per-record",
            paramLabel = "per-record|per-batch",
            converter = CompletionConverter.class,
            description =
                    "When the record processor completes its claims: each after its handler (one store call per record), or the whole poll at once (one call per poll; a crash may repeat the handled part of that poll). Default: ${DEFAULT-VALUE}")
    CompletionMode completion = CompletionMode.PER_RECORD;

    @Option(
            names = "--keep",
            description =
                    "With --bootstrap-servers: keep the topic orders-<id> and the group kdedup-demo-<id> (default: delete both at the end).")
    boolean keep;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            description =
                    "Serve kdedup's meters in Prometheus format at http://127.0.0.1:PORT/metrics while the demo runs.")
    @Nullable
    Integer metricsPort;

    @Option(
            names = "--metrics-hold",
            paramLabel = "SECONDS",
            defaultValue = "0",
            description =
                    "With --metrics-port: keep serving this long after the report, for a Prometheus to scrape. Default: ${DEFAULT-VALUE}")
    int metricsHoldSeconds;

    @CommandLine.Spec
    CommandLine.Model.@Nullable CommandSpec spec;

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs the command line without exiting, for tests.
     *
     * @param args the arguments
     * @param out standard output
     * @param err standard error
     * @return the exit code
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Demo());
        cli.setOut(out);
        cli.setErr(err);
        CliErrors.install(cli, Demo::exitCode);
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        DemoOptions options;
        try {
            options = new DemoOptions(
                    bootstrapServers,
                    store,
                    events,
                    partitions,
                    consumers,
                    republishShare,
                    crash,
                    dedup,
                    completion,
                    keep);
            if (metricsHoldSeconds < 0 || metricsHoldSeconds > 86_400) {
                throw new IllegalArgumentException(
                        "--metrics-hold must be 0 to 86400 seconds, got " + metricsHoldSeconds);
            }
            if (dedup) {
                StoreSchemes.requireKnown(store);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec().commandLine(), e.getMessage());
        }
        PrintWriter out = spec().commandLine().getOut();
        if (metricsPort == null) {
            return report(new DemoRun(options, out), out);
        }
        MetricsEndpoint started;
        try {
            started = MetricsEndpoint.start(metricsPort);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new CommandLine.ParameterException(spec().commandLine(), e.getMessage());
        }
        try (MetricsEndpoint endpoint = started) {
            out.println("metrics (Prometheus format): " + endpoint.url());
            int code = report(new DemoRun(options, out, MicrometerDedupMetrics.of(endpoint.registry())), out);
            if (metricsHoldSeconds > 0) {
                out.println("serving " + endpoint.url() + " for " + metricsHoldSeconds + " s more ...");
                out.flush();
                Thread.sleep(metricsHoldSeconds * 1000L);
            }
            return code;
        }
    }

    private static int report(DemoRun run, PrintWriter out) throws InterruptedException {
        DemoReport report = run.run();
        report.print(out);
        out.flush();
        return report.passed() ? OK : CHECK_FAILED;
    }

    private CommandLine.Model.CommandSpec spec() {
        if (spec == null) {
            throw new IllegalStateException("picocli injects the spec");
        }
        return spec;
    }

    static int exitCode(Throwable e) {
        if (e instanceof DemoRun.KafkaUnreachableException
                || e instanceof org.apache.kafka.common.errors.TimeoutException) {
            return KAFKA_UNREACHABLE;
        }
        if (e instanceof IdempotencyStoreException) {
            return STORE_UNAVAILABLE;
        }
        if (e instanceof IllegalArgumentException) {
            return USAGE;
        }
        return INTERNAL;
    }

    /** Reads {@code per-record} or {@code per-batch}. */
    static final class CompletionConverter implements CommandLine.ITypeConverter<CompletionMode> {
        @Override
        public CompletionMode convert(String value) {
            return switch (value.toLowerCase(java.util.Locale.ROOT).replace('_', '-')) {
                case "per-record" -> CompletionMode.PER_RECORD;
                case "per-batch" -> CompletionMode.PER_BATCH;
                default ->
                    throw new CommandLine.TypeConversionException(
                            "expected per-record or per-batch, got '" + value + "'");
            };
        }
    }

    /** Reads {@code on} or {@code off}. */
    static final class OnOff implements CommandLine.ITypeConverter<Boolean> {
        @Override
        public Boolean convert(String value) {
            return switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "on", "true", "yes" -> true;
                case "off", "false", "no" -> false;
                default -> throw new CommandLine.TypeConversionException("expected on or off, got '" + value + "'");
            };
        }
    }
}
