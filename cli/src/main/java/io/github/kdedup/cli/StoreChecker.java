package io.github.kdedup.cli;

import io.github.kdedup.StoreUri;
import java.util.List;

/**
 * Checks one kind of store as deployed. Implementations talk to the backend directly, read-only
 * except for what they say they create and remove. Thread-safe: no state between calls.
 */
interface StoreChecker {

    /**
     * Checks the store that {@code uri} names.
     *
     * @param uri the parsed store URI
     * @return the findings in the order they were checked; a FAIL on reachability ends the list
     */
    List<Finding> check(StoreUri uri);
}
