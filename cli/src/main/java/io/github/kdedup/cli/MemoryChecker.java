package io.github.kdedup.cli;

import io.github.kdedup.StoreUri;
import java.util.List;

/** {@code memory:} has no server: it lives and dies inside each consumer's JVM. */
final class MemoryChecker implements StoreChecker {

    @Override
    public List<Finding> check(StoreUri uri) {
        return List.of(
                Finding.ok("reachable", "the memory store lives in the consumer's own JVM"),
                Finding.warn(
                        "sharing",
                        "each JVM has its own memory store: consumers of one group in several processes do not see"
                                + " each other's claims, and a restart forgets every claim; use redis:// or"
                                + " jdbc:postgresql:// for a group that runs in more than one process"));
    }
}
