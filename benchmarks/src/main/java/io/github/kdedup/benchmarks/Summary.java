package io.github.kdedup.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs a short profile of every benchmark through JMH's {@link Runner}, writes JMH JSON, and prints
 * the ratios that matter (store / raw backend, store / naive per-record code, consumer with kdedup /
 * consumer without), each marked against its target, plus a chart of claims per second by store and
 * batch size (hand-written SVG). The machine should be quiet; ratios from one run cancel most of
 * its drift, absolute numbers do not.
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/kdedup-benchmarks.jar summary --profile quick   # about 2 minutes
 * java -jar benchmarks/target/kdedup-benchmarks.jar summary --profile full    # about 10 minutes
 * </pre>
 *
 * <p>Writes {@code <out>/<profile>-claim-stores.json}, {@code -claim-baselines.json}, {@code
 * -consume.json}, {@code -summary.md} and {@code -claims.svg}; {@code <out>} is {@code
 * benchmarks/results} when run from the repository root, else {@code results}, or {@code --out DIR}.
 */
public final class Summary {

    private static final List<String> STORES = List.of("memory", "redis", "postgres", "mariadb");
    private static final List<String> BASELINES = ClaimTarget.NAMES.subList(STORES.size(), ClaimTarget.NAMES.size());

    /** One run's settings. */
    record Profile(
            String name,
            String[] storeBatches,
            String[] storeDuplicates,
            String[] baselineBatches,
            String[] consumeModes,
            int warmups,
            int claimSeconds,
            int measurements,
            int consumeSeconds) {

        static Profile of(String name) {
            return switch (name) {
                case "quick" ->
                    new Profile(
                            "quick",
                            new String[] {"1", "500"},
                            new String[] {"0"},
                            new String[] {"500"},
                            new String[] {"plain", "interceptor:memory", "interceptor:redis"},
                            // One warm-up second leaves the memory store half compiled (7x slower).
                            2,
                            1,
                            2,
                            2);
                case "full" ->
                    new Profile(
                            "full",
                            new String[] {"1", "100", "500"},
                            new String[] {"0", "0.1", "0.5"},
                            new String[] {"1", "100", "500"},
                            new String[] {
                                "plain",
                                "interceptor:memory",
                                "interceptor:redis",
                                "interceptor:postgres",
                                "interceptor:mariadb",
                                "processor:memory",
                                "processor:redis",
                                "processor:postgres",
                                "processor:mariadb"
                            },
                            2,
                            1,
                            3,
                            2);
                default ->
                    throw new IllegalArgumentException("unknown profile '" + name + "'; use --profile quick or full");
            };
        }
    }

    /** A score: operations (claims or records) per second, and JMH's 99.9% error. */
    record Score(double perSecond, double error) {}

    /** One row of the ratio table. */
    record Ratio(String name, String numerator, String denominator, double target) {}

    static final List<Ratio> RATIOS = List.of(
            new Ratio("memory store / raw Caffeine putIfAbsent", claim("memory"), claim("caffeine-putIfAbsent"), 0.5),
            new Ratio("redis store / raw pipelined SET NX PX", claim("redis"), claim("jedis-pipelined-set-nx-px"), 0.5),
            new Ratio("redis store / one SET NX per record", claim("redis"), claim("jedis-set-nx-per-record"), 10),
            new Ratio(
                    "postgres store / raw INSERT ... unnest", claim("postgres"), claim("postgres-insert-unnest"), 0.5),
            new Ratio(
                    "postgres store / SELECT then INSERT per record",
                    claim("postgres"),
                    claim("postgres-select-then-insert"),
                    10),
            new Ratio(
                    "mariadb store / raw INSERT IGNORE", claim("mariadb"), claim("mariadb-insert-ignore"), Double.NaN),
            new Ratio(
                    "mariadb store / SELECT then INSERT per record",
                    claim("mariadb"),
                    claim("mariadb-select-then-insert"),
                    Double.NaN),
            new Ratio("consumer + interceptor (memory) / plain", consume("interceptor:memory"), consume("plain"), 0.85),
            new Ratio("consumer + interceptor (redis) / plain", consume("interceptor:redis"), consume("plain"), 0.6),
            new Ratio(
                    "consumer + interceptor (postgres) / plain",
                    consume("interceptor:postgres"),
                    consume("plain"),
                    Double.NaN),
            new Ratio(
                    "consumer + interceptor (mariadb) / plain",
                    consume("interceptor:mariadb"),
                    consume("plain"),
                    Double.NaN),
            new Ratio(
                    "consumer + processor (memory) / plain", consume("processor:memory"), consume("plain"), Double.NaN),
            new Ratio("consumer + processor (redis) / plain", consume("processor:redis"), consume("plain"), Double.NaN),
            new Ratio(
                    "consumer + processor (postgres) / plain",
                    consume("processor:postgres"),
                    consume("plain"),
                    Double.NaN),
            new Ratio(
                    "consumer + processor (mariadb) / plain",
                    consume("processor:mariadb"),
                    consume("plain"),
                    Double.NaN));

    private Summary() {}

    /** The result key of a claim benchmark at batch 500 without duplicates: the targets' setting. */
    static String claim(String target) {
        return claimKey(target, "500", "0");
    }

    static String claimKey(String target, String batchSize, String duplicates) {
        return "claim " + target + " batch=" + batchSize + " duplicates=" + duplicates;
    }

    static String consume(String mode) {
        return "consume " + mode;
    }

    /**
     * Runs the profile.
     *
     * @param args {@code [--profile quick|full] [--out DIR]}
     * @throws RunnerException when JMH fails
     */
    public static void main(String[] args) throws RunnerException {
        String profileName = "quick";
        Path out =
                Files.isDirectory(Path.of("benchmarks", "src")) ? Path.of("benchmarks", "results") : Path.of("results");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--profile" -> profileName = value(args, ++i, "--profile");
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                default ->
                    throw new IllegalArgumentException(
                            "unknown argument '" + args[i] + "'; usage: summary [--profile quick|full] [--out DIR]");
            }
        }
        Profile profile = Profile.of(profileName);
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out, e);
        }
        Map<String, Score> scores = new LinkedHashMap<>();
        collect(
                scores,
                run(claimOptions(profile, STORES, profile.storeBatches(), profile.storeDuplicates())
                        .result(out.resolve(profile.name() + "-claim-stores.json")
                                .toString())));
        collect(
                scores,
                run(claimOptions(profile, BASELINES, profile.baselineBatches(), new String[] {"0"})
                        .result(out.resolve(profile.name() + "-claim-baselines.json")
                                .toString())));
        collect(
                scores,
                run(consumeOptions(profile)
                        .result(out.resolve(profile.name() + "-consume.json").toString())));

        String report = report(profile.name(), scores);
        System.out.println();
        System.out.println(report);
        write(out.resolve(profile.name() + "-summary.md"), report);
        write(out.resolve(profile.name() + "-claims.svg"), chart(profile.name(), scores));
        System.out.println(
                "Wrote " + out.toAbsolutePath() + "/" + profile.name() + "-*.json, -summary.md, -claims.svg");
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static ChainedOptionsBuilder claimOptions(
            Profile profile, List<String> targets, String[] batches, String[] duplicates) {
        return new OptionsBuilder()
                .include(ClaimBenchmark.class.getName() + ".claim$")
                .param("target", targets.toArray(String[]::new))
                .param("batchSize", batches)
                .param("duplicates", duplicates)
                .forks(1)
                .warmupIterations(profile.warmups())
                .warmupTime(TimeValue.seconds(profile.claimSeconds()))
                .measurementIterations(profile.measurements())
                .measurementTime(TimeValue.seconds(profile.claimSeconds()))
                .resultFormat(ResultFormatType.JSON);
    }

    private static ChainedOptionsBuilder consumeOptions(Profile profile) {
        return new OptionsBuilder()
                .include(ConsumeBenchmark.class.getName() + ".consume$")
                .param("mode", profile.consumeModes())
                .forks(1)
                .warmupIterations(1)
                .warmupTime(TimeValue.seconds(profile.consumeSeconds()))
                .measurementIterations(profile.measurements())
                .measurementTime(TimeValue.seconds(profile.consumeSeconds()))
                .timeUnit(TimeUnit.SECONDS)
                .resultFormat(ResultFormatType.JSON);
    }

    private static Collection<RunResult> run(ChainedOptionsBuilder options) throws RunnerException {
        return new Runner(options.build()).run();
    }

    /** Turns JMH results into scores per second: claims (batches x batch size) or records. */
    static void collect(Map<String, Score> scores, Collection<RunResult> results) {
        for (RunResult result : results) {
            var params = result.getParams();
            double score = result.getPrimaryResult().getScore();
            double error = result.getPrimaryResult().getScoreError();
            if (params.getBenchmark().endsWith("ClaimBenchmark.claim")) {
                String batch = params.getParam("batchSize");
                int size = Integer.parseInt(batch);
                scores.put(
                        claimKey(params.getParam("target"), batch, params.getParam("duplicates")),
                        new Score(score * size, error * size));
            } else if (params.getBenchmark().endsWith("ConsumeBenchmark.consume")) {
                // Records per invocation vary by mode, so take the records counter rather than the score.
                Result<?> records = result.getSecondaryResults().get("records");
                if (records != null) {
                    scores.put(
                            consume(params.getParam("mode")), new Score(records.getScore(), records.getScoreError()));
                }
            }
        }
    }

    /** Renders the scores and the ratio table as markdown. */
    static String report(String profile, Map<String, Score> scores) {
        StringBuilder text = new StringBuilder();
        text.append("# kdedup benchmarks, profile ")
                .append(profile)
                .append(", ")
                .append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
                .append(", ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores\n\n");
        text.append("| ratio (one run) | value | target | |\n|---|---:|---:|---|\n");
        for (Ratio ratio : RATIOS) {
            Score numerator = scores.get(ratio.numerator());
            Score denominator = scores.get(ratio.denominator());
            boolean hasTarget = !Double.isNaN(ratio.target());
            if (numerator == null && (!hasTarget || denominator == null)) {
                // An informative ratio whose store was not in this profile: not worth a row.
                continue;
            }
            String value = numerator == null || denominator == null || denominator.perSecond() <= 0
                    ? "n/a"
                    : format(numerator.perSecond() / denominator.perSecond());
            String target = hasTarget
                    ? ">= "
                            + (ratio.target() >= 1
                                    ? String.format(Locale.ROOT, "%.0f", ratio.target())
                                    : String.format(Locale.ROOT, "%.2f", ratio.target()))
                    : "-";
            String verdict;
            if (Double.isNaN(ratio.target())) {
                verdict = "";
            } else if (value.equals("n/a")) {
                verdict = "not measured";
            } else {
                verdict = numerator.perSecond() / denominator.perSecond() >= ratio.target() ? "met" : "MISSED";
            }
            text.append("| ")
                    .append(ratio.name())
                    .append(" | ")
                    .append(value)
                    .append(" | ")
                    .append(target)
                    .append(" | ")
                    .append(verdict)
                    .append(" |\n");
        }
        text.append("\nClaim ratios compare batch 500 without duplicates.\n\n");
        text.append("| benchmark | per second | +- (99.9%) |\n|---|---:|---:|\n");
        for (Map.Entry<String, Score> entry : scores.entrySet()) {
            text.append("| ")
                    .append(entry.getKey())
                    .append(" | ")
                    .append(String.format(Locale.ROOT, "%,.0f", entry.getValue().perSecond()))
                    .append(" | ")
                    // JMH gives no error below three measurement iterations.
                    .append(
                            Double.isNaN(entry.getValue().error())
                                    ? "-"
                                    : String.format(
                                            Locale.ROOT,
                                            "%,.0f",
                                            entry.getValue().error()))
                    .append(" |\n");
        }
        return text.toString();
    }

    private static String format(double value) {
        return value >= 100
                ? String.format(Locale.ROOT, "%.0f", value)
                : value >= 10 ? String.format(Locale.ROOT, "%.1f", value) : String.format(Locale.ROOT, "%.2f", value);
    }

    /**
     * Draws claims per second (log scale) by target, one bar per batch size, without duplicates.
     *
     * @return the SVG document
     */
    static String chart(String profile, Map<String, Score> scores) {
        List<String> batches = List.of("1", "100", "500");
        String[] colours = {"#9ecae1", "#4292c6", "#08519c"};
        List<String> groups = new ArrayList<>();
        for (String target : ClaimTarget.NAMES) {
            for (String batch : batches) {
                if (scores.containsKey(claimKey(target, batch, "0"))) {
                    groups.add(target);
                    break;
                }
            }
        }
        double max = 10;
        for (String target : groups) {
            for (String batch : batches) {
                Score score = scores.get(claimKey(target, batch, "0"));
                if (score != null) {
                    max = Math.max(max, score.perSecond());
                }
            }
        }
        int decades = Math.max(1, (int) Math.ceil(Math.log10(max)) - 2);
        double bottom = Math.pow(10, Math.ceil(Math.log10(max)) - decades);
        int left = 80;
        int top = 50;
        int plotHeight = 320;
        int groupWidth = 3 * 18 + 24;
        int width = left + Math.max(1, groups.size()) * groupWidth + 90; // room for the last rotated label
        int height = top + plotHeight + 150;
        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(width)
                .append("\" height=\"")
                .append(height)
                .append("\" font-family=\"sans-serif\" font-size=\"11\">\n");
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append("<text x=\"")
                .append(left)
                .append("\" y=\"22\" font-size=\"14\">kdedup: claims per second by target and batch size (")
                .append(escape(profile))
                .append(" profile, no duplicates, log scale)</text>\n");
        for (int d = 0; d <= decades; d++) {
            double value = bottom * Math.pow(10, d);
            double y = top + plotHeight - plotHeight * d / (double) decades;
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    left,
                    y,
                    width - 10,
                    y,
                    left - 6,
                    y + 4,
                    String.format(Locale.ROOT, "%,.0f", value)));
        }
        for (int g = 0; g < groups.size(); g++) {
            String target = groups.get(g);
            int x0 = left + g * groupWidth + 12;
            for (int b = 0; b < batches.size(); b++) {
                Score score = scores.get(claimKey(target, batches.get(b), "0"));
                if (score == null) {
                    continue;
                }
                double fraction = Math.max(0, Math.log10(Math.max(score.perSecond(), 1) / bottom) / decades);
                double barHeight = plotHeight * Math.min(1, fraction);
                svg.append(String.format(
                        Locale.ROOT,
                        "<rect x=\"%d\" y=\"%.1f\" width=\"16\" height=\"%.1f\" fill=\"%s\">"
                                + "<title>%s batch %s: %,.0f/s</title></rect>%n",
                        x0 + b * 18,
                        top + plotHeight - barHeight,
                        barHeight,
                        colours[b],
                        escape(target),
                        batches.get(b),
                        score.perSecond()));
            }
            int labelX = x0 + 27;
            int labelY = top + plotHeight + 10;
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" transform=\"rotate(40 %d %d)\"%s>%s</text>%n",
                    labelX,
                    labelY,
                    labelX,
                    labelY,
                    STORES.contains(target) ? " font-weight=\"bold\"" : "",
                    escape(target)));
        }
        int legendY = height - 18;
        for (int b = 0; b < batches.size(); b++) {
            int x = left + b * 110;
            svg.append(String.format(
                    Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                            + "<text x=\"%d\" y=\"%d\">batch %s</text>%n",
                    x,
                    legendY - 10,
                    colours[b],
                    x + 16,
                    legendY,
                    batches.get(b)));
        }
        svg.append("<text x=\"")
                .append(left + 340)
                .append("\" y=\"")
                .append(legendY)
                .append("\">bold: kdedup stores; others: raw backend and naive baselines</text>\n");
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
