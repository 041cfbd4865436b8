package io.github.kdedup.cli;

import io.github.kdedup.ClaimState;
import io.github.kdedup.IdempotencyKeys;
import io.github.kdedup.IdempotencyStore;
import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.StoreUri;
import io.github.kdedup.StoredRecord;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kdedup inspect --store URI --namespace NS KEY...}: the live record of each key, or
 * "no record", through the public store SPI ({@link IdempotencyStore#find}). Answers "why was event
 * X dropped?" with the origin of the copy that holds the key. Reads only.
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Shows the stored record of event keys: state, origin, owner, expiry.",
        description = {
            "Shows the record a store holds for each key (state, origin of the copy that holds it,",
            "owner, fingerprint, expires in), or \"no record\". A copy of that event at another offset",
            "is dropped as republished while the record lives.",
            ""
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every key has a record",
            "1:some key has no record",
            "2:bad option or store URI",
            "4:store unreachable"
        })
public final class InspectCommand implements Callable<Integer> {

    /** Every key has a record. */
    public static final int ALL_FOUND = 0;
    /** Some key has no record. */
    public static final int SOME_MISSING = 1;

    @Option(names = "--store", required = true, paramLabel = "URI", description = "The store URI your consumers use.")
    String store = "";

    @Option(
            names = "--namespace",
            required = true,
            paramLabel = "NS",
            description = "The namespace: kdedup.namespace, by default the consumer's group.id.")
    String namespace = "";

    @Option(
            names = "--hash-long-keys",
            description = "Look keys longer than 512 UTF-8 bytes up as sha256:<hex>, as kdedup.key.hash-long-keys=true"
                    + " stores them.")
    boolean hashLongKeys;

    @Parameters(arity = "1..*", paramLabel = "KEY", description = "Event keys, such as the event-id header's value.")
    List<String> keys = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.@Nullable CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine cli = spec == null ? new CommandLine(this) : spec.commandLine();
        StoreUri uri = StoreSchemes.requireKnown(store, cli);
        PrintWriter out = cli.getOut();
        try (IdempotencyStore opened = IdempotencyStores.open(uri.raw())) {
            out.println("store " + opened.description() + ", namespace " + namespace);
            if (uri.scheme().equals("memory")) {
                out.println("  (memory: is a new, empty store inside this command: a memory store cannot be"
                        + " inspected from outside the JVM that holds it)");
            }
            return inspect(opened, namespace, keys, hashLongKeys, Instant.now(), out);
        }
    }

    /**
     * Prints the record of each key, one aligned line per key.
     *
     * @param store the open store
     * @param namespace the namespace
     * @param keys the keys, in the order to print
     * @param hashLongKeys whether to look up long keys by their hash
     * @param now this machine's clock, for "expires in" (the store's own clock decides expiry)
     * @param out where to
     * @return {@link #ALL_FOUND} or {@link #SOME_MISSING}
     * @throws IllegalArgumentException when a key or the namespace is invalid
     * @throws io.github.kdedup.IdempotencyStoreException when the store cannot answer
     */
    public static int inspect(
            IdempotencyStore store,
            String namespace,
            List<String> keys,
            boolean hashLongKeys,
            Instant now,
            PrintWriter out) {
        int width = keys.stream().mapToInt(String::length).max().orElse(3);
        boolean missing = false;
        for (String key : keys) {
            String stored = hashLongKeys ? IdempotencyKeys.hashIfLong(key) : key;
            Optional<StoredRecord> found = store.find(namespace, stored);
            String shown = String.format("  %-" + width + "s  ", key);
            if (found.isEmpty()) {
                missing = true;
                out.println(shown + "no record      never claimed, released, or expired: its next copy is CLAIMED"
                        + " and handled");
                continue;
            }
            StoredRecord r = found.get();
            out.println(shown
                    + String.format("%-13s", r.state())
                    + "  origin " + r.origin()
                    + "  owner " + r.owner()
                    + "  fingerprint " + (r.fingerprint() == null ? "-" : r.fingerprint())
                    + "  expires in " + human(Duration.between(now, r.expiresAt())) + " (" + r.expiresAt() + ")");
            out.println(" ".repeat(width + 4)
                    + (r.state() == ClaimState.COMPLETED
                            ? "a copy at another offset is dropped as republished, " + r.origin()
                                    + " read again as redelivered"
                            : "in progress at " + r.owner() + ": a copy at another offset is dropped, " + r.origin()
                                    + " read again is taken over (retried)"));
        }
        out.flush();
        return missing ? SOME_MISSING : ALL_FOUND;
    }

    /** Renders a duration as {@code 6d 23h 59m 58s}; a negative one as "expired". */
    static String human(Duration d) {
        if (d.isNegative()) {
            return "0s (expired, counts as absent)";
        }
        long s = d.toSeconds();
        StringBuilder text = new StringBuilder();
        if (s >= 86_400) {
            text.append(s / 86_400).append("d ");
        }
        if (s >= 3600) {
            text.append(s % 86_400 / 3600).append("h ");
        }
        if (s >= 60) {
            text.append(s % 3600 / 60).append("m ");
        }
        return text.append(s % 60).append('s').toString();
    }
}
