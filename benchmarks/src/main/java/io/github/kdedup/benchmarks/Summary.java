package io.github.kdedup.benchmarks;

import io.github.kdedup.benchmarks.Target.Backend;
import io.github.kdedup.benchmarks.Target.Role;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs a profile of {@link ClaimBenchmark} and {@link ConsumeBenchmark} through JMH's {@link
 * Runner}, writes JMH JSON, prints the ratios of the throughput targets (store cycle / raw claim,
 * store cycle / best peer, consumer with kdedup / without), each marked against its target, and
 * draws keys per second by backend as SVG. Ratios from one run cancel most of a machine's drift;
 * absolute numbers do not, so the machine should be quiet.
 *
 * <p>Run it from the repository root:
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/kdedup-benchmarks.jar summary --profile quick   # about 3 minutes (the summary prints its time)
 * java -jar benchmarks/target/kdedup-benchmarks.jar summary --profile full    # about 12 minutes
 * java -jar benchmarks/target/kdedup-benchmarks.jar summary --smoke           # every target once, no numbers
 * </pre>
 *
 * <p>Writes {@code <out>/<profile>-claim.json}, {@code -consume.json}, {@code -summary.md} and
 * {@code -claims.svg}. {@code <out>} is {@code docs/benchmarks} when run from the repository root
 * ({@code benchmarks/target/smoke} for {@code --smoke}), else the current directory, or {@code --out
 * DIR}.
 */
public final class Summary {

    /** The claim ratios compare this batch size (a default {@code max.poll.records}). */
    static final int BATCH = 500;

    /** A peer claims one key per call whatever the batch, so it is run at batch 1. */
    static final int PEER_BATCH = 1;

    /**
     * One JMH run of {@link ClaimBenchmark}.
     *
     * @param method {@code claim} or {@code cycle}
     */
    record ClaimRun(String method, List<Target> targets, List<Integer> batches, List<String> duplicates) {}

    /** One profile: what runs and for how long. */
    record Profile(
            String name,
            List<ClaimRun> claims,
            List<String> consumeModes,
            int forks,
            int warmups,
            TimeValue iteration,
            int measurements,
            TimeValue consumeIteration) {

        static Profile of(String name) {
            List<Target> stores = Target.of(Role.STORE);
            List<Target> raws = Target.of(Role.RAW);
            List<Target> peers = Target.of(Role.PEER);
            return switch (name) {
                case "smoke" ->
                    new Profile(
                            "smoke",
                            // Duplicates where no ratio needs the run, so that their preload runs too.
                            List.of(
                                    new ClaimRun("claim", stores, List.of(1, BATCH), List.of("0.1")),
                                    new ClaimRun("cycle", stores, List.of(1, BATCH), List.of("0")),
                                    new ClaimRun("claim", raws, List.of(BATCH), List.of("0")),
                                    new ClaimRun("cycle", peers, List.of(PEER_BATCH), List.of("0"))),
                            List.of("plain", "interceptor:memory"),
                            0,
                            0,
                            TimeValue.milliseconds(200),
                            1,
                            TimeValue.milliseconds(200));
                case "quick" ->
                    new Profile(
                            "quick",
                            List.of(
                                    new ClaimRun("cycle", stores, List.of(1, BATCH), List.of("0")),
                                    new ClaimRun("claim", stores, List.of(BATCH), List.of("0")),
                                    new ClaimRun("claim", raws, List.of(BATCH), List.of("0")),
                                    // The peer of each backend that was fastest in full runs, one per backend.
                                    new ClaimRun(
                                            "cycle",
                                            List.of(
                                                    Target.CamelCaffeine,
                                                    Target.CamelRedis,
                                                    Target.SpringJdbcPostgres,
                                                    Target.SpringJdbcMariaDb),
                                            List.of(PEER_BATCH),
                                            List.of("0"))),
                            // Both ways in on the two stores a consumer most often runs with; the SQL stores'
                            // consumers take longer per invocation and run in the full profile only.
                            List.of(
                                    "plain",
                                    "interceptor:memory",
                                    "interceptor:redis",
                                    "processor:memory",
                                    "processor:redis"),
                            1,
                            // One warm-up second leaves the memory store half compiled (7x slower).
                            2,
                            TimeValue.seconds(1),
                            1,
                            TimeValue.seconds(2));
                case "full" ->
                    new Profile(
                            "full",
                            List.of(
                                    new ClaimRun("cycle", stores, List.of(1, BATCH), List.of("0", "0.1")),
                                    new ClaimRun("claim", stores, List.of(1, BATCH), List.of("0", "0.1")),
                                    new ClaimRun("claim", raws, List.of(BATCH), List.of("0", "0.1")),
                                    new ClaimRun("cycle", peers, List.of(PEER_BATCH), List.of("0", "0.1"))),
                            Stream.concat(
                                            Stream.of("plain"),
                                            Stream.of("interceptor:", "processor:")
                                                    .flatMap(way -> Stream.of(Backend.values())
                                                            .map(b -> way + b.key())))
                                    .toList(),
                            1,
                            2,
                            TimeValue.seconds(1),
                            3,
                            TimeValue.seconds(2));
                default ->
                    throw new IllegalArgumentException(
                            "unknown profile '" + name + "'; use --profile quick or full, or --smoke");
            };
        }
    }

    /** A score: keys or records per second, and JMH's 99.9% error (NaN below three iterations). */
    record Score(double perSecond, double error) {}

    /**
     * One row of the ratio table: the numerator over the best of the denominators measured.
     *
     * @param target the least ratio wanted, or NaN for a row that only informs
     */
    record Ratio(String name, String numerator, List<String> denominators, double target) {}

    /** The ratios of the throughput targets, per backend, in the order of the targets table. */
    static final List<Ratio> RATIOS = ratios();

    private Summary() {}

    private static List<Ratio> ratios() {
        List<Ratio> claims = new ArrayList<>();
        List<Ratio> consumers = new ArrayList<>();
        for (Backend backend : Backend.values()) {
            Target store = Target.the(Role.STORE, backend);
            String raw = claimKey(Target.the(Role.RAW, backend), "claim", BATCH, "0");
            List<String> peers = Target.of(Role.PEER, backend).stream()
                    .map(peer -> claimKey(peer, "cycle", PEER_BATCH, "0"))
                    .toList();
            String name = backend.key() + " store ";
            claims.add(new Ratio(
                    name + "cycle, batch " + BATCH + " / raw claim",
                    claimKey(store, "cycle", BATCH, "0"),
                    List.of(raw),
                    0.5));
            claims.add(new Ratio(
                    name + "cycle, batch " + BATCH + " / best peer",
                    claimKey(store, "cycle", BATCH, "0"),
                    peers,
                    switch (backend) {
                        case MEMORY -> 1.0;
                        case REDIS, POSTGRES -> 10;
                        case MARIADB -> Double.NaN;
                    }));
            claims.add(new Ratio(name + "cycle, batch 1 / best peer", claimKey(store, "cycle", 1, "0"), peers, 0.5));
            claims.add(new Ratio(
                    name + "claim, batch " + BATCH + " / raw claim",
                    claimKey(store, "claim", BATCH, "0"),
                    List.of(raw),
                    Double.NaN));
            consumers.add(new Ratio(
                    "consumer + interceptor (" + backend.key() + ") / plain",
                    consume("interceptor:" + backend.key()),
                    List.of(consume("plain")),
                    switch (backend) {
                        case MEMORY -> 0.9;
                        case REDIS -> 0.8;
                        case POSTGRES, MARIADB -> 0.7;
                    }));
            consumers.add(new Ratio(
                    "consumer + processor (" + backend.key() + ") / plain",
                    consume("processor:" + backend.key()),
                    List.of(consume("plain")),
                    switch (backend) {
                        case MEMORY -> 0.9;
                        case REDIS -> 0.7;
                        case POSTGRES, MARIADB -> 0.5;
                    }));
        }
        claims.addAll(consumers);
        return List.copyOf(claims);
    }

    /** The key of a claim benchmark's score, e.g. {@code cycle Redis batch=500 duplicates=0}. */
    static String claimKey(Target target, String method, int batchSize, String duplicates) {
        return method + " " + target + " batch=" + batchSize + " duplicates=" + duplicates;
    }

    /** The key of a consumer benchmark's score, e.g. {@code consume interceptor:redis}. */
    static String consume(String mode) {
        return "consume " + mode;
    }

    /**
     * Runs a profile.
     *
     * @param args {@code [--profile quick|full | --smoke] [--out DIR]}
     * @throws RunnerException when JMH fails
     */
    public static void main(String[] args) throws RunnerException {
        String profileName = "quick";
        @Nullable Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--profile" -> profileName = value(args, ++i, "--profile");
                case "--smoke" -> profileName = "smoke";
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                default ->
                    throw new IllegalArgumentException("unknown argument '" + args[i]
                            + "'; usage: summary [--profile quick|full | --smoke] [--out DIR]");
            }
        }
        Profile profile = Profile.of(profileName);
        long started = System.nanoTime();
        // The machine is shared: the load average beside the duration says how much the numbers can be trusted.
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Path dir = out != null ? out : defaultOut(profile);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        List<RunResult> claimResults = new ArrayList<>();
        for (ClaimRun run : profile.claims()) {
            claimResults.addAll(run(claimOptions(profile, run)));
        }
        Collection<RunResult> consumeResults = run(consumeOptions(profile));
        writeJson(dir.resolve(profile.name() + "-claim.json"), claimResults);
        writeJson(dir.resolve(profile.name() + "-consume.json"), consumeResults);

        Map<String, Score> scores = new LinkedHashMap<>();
        collect(scores, claimResults);
        collect(scores, consumeResults);
        long seconds = Math.round((System.nanoTime() - started) / 1e9);
        String report = report(profile.name(), scores)
                + String.format(
                        Locale.ROOT,
                        "%nThe run took %d min %02d s (wall clock, JMH forks included); load average %.1f at the start,"
                                + " %.1f at the end, on %d cores.%n",
                        seconds / 60,
                        seconds % 60,
                        loadBefore,
                        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                        Runtime.getRuntime().availableProcessors());
        System.out.println();
        System.out.println(report);
        write(dir.resolve(profile.name() + "-summary.md"), report);
        write(dir.resolve(profile.name() + "-claims.svg"), Chart.svg(profile.name(), scores));
        System.out.println("Wrote " + dir.toAbsolutePath() + "/" + profile.name()
                + "-claim.json, -consume.json, -summary.md, -claims.svg");
    }

    private static Path defaultOut(Profile profile) {
        boolean fromRoot = Files.isDirectory(Path.of("benchmarks", "src"));
        if (profile.name().equals("smoke")) {
            return fromRoot ? Path.of("benchmarks", "target", "smoke") : Path.of("smoke");
        }
        return fromRoot ? Path.of("docs", "benchmarks") : Path.of(".");
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static ChainedOptionsBuilder claimOptions(Profile profile, ClaimRun run) {
        return new OptionsBuilder()
                .include(ClaimBenchmark.class.getName() + "." + run.method() + "$")
                .param("target", run.targets().stream().map(Target::name).toArray(String[]::new))
                .param("batchSize", run.batches().stream().map(String::valueOf).toArray(String[]::new))
                .param("duplicates", run.duplicates().toArray(String[]::new))
                .forks(profile.forks())
                .warmupIterations(profile.warmups())
                .warmupTime(profile.iteration())
                .measurementIterations(profile.measurements())
                .measurementTime(profile.iteration())
                .shouldFailOnError(true);
    }

    private static ChainedOptionsBuilder consumeOptions(Profile profile) {
        return new OptionsBuilder()
                .include(ConsumeBenchmark.class.getName() + ".consume$")
                .param("mode", profile.consumeModes().toArray(String[]::new))
                .forks(profile.forks())
                .warmupIterations(Math.min(1, profile.warmups()))
                .warmupTime(profile.consumeIteration())
                .measurementIterations(profile.measurements())
                .measurementTime(profile.consumeIteration())
                .timeUnit(TimeUnit.SECONDS)
                .shouldFailOnError(true);
    }

    private static Collection<RunResult> run(ChainedOptionsBuilder options) throws RunnerException {
        return new Runner(options.build()).run();
    }

    /** Turns JMH results into scores per second: keys (calls x batch size) or records. */
    static void collect(Map<String, Score> scores, Collection<RunResult> results) {
        for (RunResult result : results) {
            var params = result.getParams();
            String benchmark = params.getBenchmark();
            double score = result.getPrimaryResult().getScore();
            double error = result.getPrimaryResult().getScoreError();
            if (benchmark.startsWith(ClaimBenchmark.class.getName() + ".")) {
                int size = Integer.parseInt(params.getParam("batchSize"));
                String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
                scores.put(
                        claimKey(
                                Target.valueOf(params.getParam("target")), method, size, params.getParam("duplicates")),
                        new Score(score * size, error * size));
            } else if (benchmark.equals(ConsumeBenchmark.class.getName() + ".consume")) {
                // Records per invocation vary by mode, so take the records counter rather than the score.
                Result<?> records = result.getSecondaryResults().get("records");
                if (records != null) {
                    scores.put(
                            consume(params.getParam("mode")), new Score(records.getScore(), records.getScoreError()));
                }
            }
        }
    }

    /** Renders the ratio table and every score as markdown. */
    static String report(String profile, Map<String, Score> scores) {
        StringBuilder text = new StringBuilder();
        text.append("# kdedup benchmarks, profile ")
                .append(profile)
                .append(", ")
                .append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
                .append(", ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores\n\n");
        text.append("| ratio (one run) | value | against | target | |\n|---|---:|---|---:|---|\n");
        for (Ratio ratio : RATIOS) {
            Score numerator = scores.get(ratio.numerator());
            String best = best(ratio.denominators(), scores);
            boolean hasTarget = !Double.isNaN(ratio.target());
            if (numerator == null && !hasTarget) {
                continue; // an informative ratio whose store was not in this profile: not worth a row
            }
            boolean measured = numerator != null && best != null;
            double value = measured ? numerator.perSecond() / scores.get(best).perSecond() : Double.NaN;
            String verdict = !hasTarget ? "" : !measured ? "not measured" : value >= ratio.target() ? "met" : "MISSED";
            text.append("| ")
                    .append(ratio.name())
                    .append(" | ")
                    .append(measured ? format(value) : "n/a")
                    .append(" | ")
                    .append(best == null ? "-" : description(best))
                    .append(" | ")
                    .append(hasTarget ? ">= " + format(ratio.target()) : "-")
                    .append(" | ")
                    .append(verdict)
                    .append(" |\n");
        }
        text.append("\nA cycle is claim + complete of the keys won, what a consumer pays per record; a peer claims")
                .append(" one key per call (and confirms it, where it has a confirmation). Duplicates: 0.\n\n");
        text.append("| benchmark | per second | +- (99.9%) |\n|---|---:|---:|\n");
        for (Map.Entry<String, Score> entry : scores.entrySet()) {
            Score score = entry.getValue();
            text.append("| ")
                    .append(entry.getKey())
                    .append(" | ")
                    .append(String.format(Locale.ROOT, "%,.0f", score.perSecond()))
                    .append(" | ")
                    .append(Double.isNaN(score.error()) ? "-" : String.format(Locale.ROOT, "%,.0f", score.error()))
                    .append(" |\n");
        }
        return text.toString();
    }

    /** Returns the key of the fastest measured denominator, or null when none was measured. */
    private static @Nullable String best(List<String> keys, Map<String, Score> scores) {
        String best = null;
        for (String key : keys) {
            Score score = scores.get(key);
            if (score != null
                    && score.perSecond() > 0
                    && (best == null || score.perSecond() > scores.get(best).perSecond())) {
                best = key;
            }
        }
        return best;
    }

    /** Names a denominator by its target or consumer mode, e.g. {@code CamelRedis}. */
    private static String description(String key) {
        return key.split(" ")[1];
    }

    static String format(double value) {
        return value >= 100
                ? String.format(Locale.ROOT, "%.0f", value)
                : value >= 10 ? String.format(Locale.ROOT, "%.1f", value) : String.format(Locale.ROOT, "%.2f", value);
    }

    private static void writeJson(Path file, Collection<RunResult> results) {
        try (PrintStream stream = new PrintStream(Files.newOutputStream(file), true, StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, stream).writeOut(results);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
