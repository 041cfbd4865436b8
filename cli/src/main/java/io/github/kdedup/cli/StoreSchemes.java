package io.github.kdedup.cli;

import io.github.kdedup.IdempotencyStores;
import io.github.kdedup.StoreUri;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine;

/**
 * Checks a store URI's scheme before anything is started, with one message that lists the stores
 * the command line can open. Stateless and thread-safe.
 */
public final class StoreSchemes {

    /** The schemes the README documents, in the order users meet them, each with an example. */
    private static final Map<String, String> DOCUMENTED = new java.util.LinkedHashMap<>();

    static {
        DOCUMENTED.put("memory", "memory:");
        DOCUMENTED.put("redis", "redis://HOST:6379");
        DOCUMENTED.put("rediss", "rediss://HOST:6379");
        DOCUMENTED.put("redis-cluster", "redis-cluster://HOST1:PORT,HOST2:PORT");
        DOCUMENTED.put("jdbc:postgresql", "jdbc:postgresql://HOST:5432/DB");
        DOCUMENTED.put("jdbc:mariadb", "jdbc:mariadb://HOST:3306/DB");
    }

    private StoreSchemes() {}

    /**
     * Parses the URI and checks that a store module on the class path opens its scheme.
     *
     * @param uri the store URI, never {@code null}
     * @return the parsed URI
     * @throws IllegalArgumentException when the URI is malformed or no store opens its scheme; the
     *     message names the scheme once and lists the documented schemes available, without any
     *     password of the URI
     */
    public static StoreUri requireKnown(String uri) {
        StoreUri parsed = StoreUri.parse(uri);
        Set<String> available = IdempotencyStores.providers().keySet();
        if (!available.contains(parsed.scheme())) {
            List<String> usable = DOCUMENTED.entrySet().stream()
                    .filter(e -> available.contains(e.getKey()))
                    .map(Map.Entry::getValue)
                    .toList();
            throw new IllegalArgumentException("no store opens '" + parsed.scheme() + ":' (in " + parsed.redacted()
                    + "); use one of " + usable.stream().collect(Collectors.joining(", ")));
        }
        return parsed;
    }

    /**
     * As {@link #requireKnown(String)}, for a command's option: a bad URI is a usage error of that
     * command (one line, exit code 2).
     *
     * @param uri the store URI, never {@code null}
     * @param command the command whose option it is
     * @return the parsed URI
     * @throws CommandLine.ParameterException when the URI is malformed or no store opens its scheme
     */
    public static StoreUri requireKnown(String uri, CommandLine command) {
        try {
            return requireKnown(uri);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command, e.getMessage());
        }
    }
}
