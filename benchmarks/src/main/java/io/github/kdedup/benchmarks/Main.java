package io.github.kdedup.benchmarks;

import java.util.Arrays;

/**
 * The entry point of {@code kdedup-benchmarks.jar}: {@code summary [--profile quick|full |
 * --smoke] [--out DIR]} runs {@link Summary}; anything else goes to JMH's own command line ({@code -h} lists its
 * options, {@code -l} the benchmarks).
 */
public final class Main {

    private Main() {}

    /**
     * Runs the summary or JMH.
     *
     * @param args the command line
     * @throws Exception when JMH or the summary fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("summary")) {
            Summary.main(Arrays.copyOfRange(args, 1, args.length));
        } else {
            org.openjdk.jmh.Main.main(args);
        }
    }
}
