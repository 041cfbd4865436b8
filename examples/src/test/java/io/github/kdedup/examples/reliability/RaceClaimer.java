package io.github.kdedup.examples.reliability;

import io.github.kdedup.Claim;
import io.github.kdedup.ClaimOutcome;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.Origin;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The child process of {@link RaceAcrossProcessesTest}: claims keys {@code k0..k<n-1>} of a namespace
 * in batches, in ascending order, as owner {@code child-<i>} with origins on partition {@code i}
 * (another copy of each event than the other child's), completes what it won, and writes the index
 * of every key it CLAIMED to a file.
 *
 * <p>Arguments: store URI, namespace, child index, number of keys, batch size, output file. Protocol:
 * prints {@code ready} once the store is open and warm, starts at the line {@code go} on stdin,
 * prints {@code done <claimed>} at the end; exits 2 on any broken rule.
 */
public final class RaceClaimer {

    static final Duration LEASE = Duration.ofMinutes(10);
    static final Duration RETENTION = Duration.ofMinutes(10);

    private RaceClaimer() {}

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        String namespace = args[1];
        int child = Integer.parseInt(args[2]);
        int keys = Integer.parseInt(args[3]);
        int batch = Integer.parseInt(args[4]);
        Path output = Path.of(args[5]);
        String owner = "child-" + child;
        int claimed = 0;
        try (IdempotencyStore store = IdempotencyStores.open(uri);
                BufferedWriter writer = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
            // Warm the code paths on another namespace so that both children start at full speed.
            List<ClaimResult> warm = store.claim(
                    List.of(new ClaimRequest(namespace + "-warm" + child, "w", origin(child, 0), owner, null, LEASE)));
            store.release(List.of(warm.get(0).claim()));
            System.out.println("ready");
            System.out.flush();
            String go = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (!"go".equals(go)) {
                throw new IllegalStateException("expected 'go', got " + go);
            }
            for (int from = 0; from < keys; from += batch) {
                int to = Math.min(keys, from + batch);
                List<ClaimRequest> requests = new ArrayList<>(to - from);
                for (int k = from; k < to; k++) {
                    requests.add(new ClaimRequest(namespace, "k" + k, origin(child, k), owner, null, LEASE));
                }
                List<ClaimResult> results = store.claim(requests);
                List<Claim> won = new ArrayList<>();
                for (int i = 0; i < results.size(); i++) {
                    ClaimResult result = results.get(i);
                    if (result.outcome() == ClaimOutcome.CLAIMED) {
                        won.add(result.claim());
                        writer.write(Integer.toString(from + i));
                        writer.newLine();
                    } else if (result.outcome() != ClaimOutcome.DUPLICATE) {
                        fail("key k" + (from + i) + " answered " + result + "; only CLAIMED or DUPLICATE may happen");
                    } else if (result.existing().orElseThrow().owner().equals(owner)) {
                        fail("key k" + (from + i) + " is a duplicate of this child's own claim: " + result);
                    }
                }
                claimed += won.size();
                if (!won.isEmpty() && store.complete(won, RETENTION).contains(false)) {
                    fail("a claim this child won could not be completed: it was taken by someone else");
                }
            }
        }
        System.out.println("done " + claimed);
    }

    private static Origin origin(int child, long offset) {
        return new Origin("race", child, offset);
    }

    private static void fail(String message) {
        System.err.println(message);
        System.exit(2);
    }
}
