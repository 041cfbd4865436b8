package io.github.kdedup.benchmarks;

/**
 * A raw backend operation without kdedup: the ceiling a store's claim is measured against. It
 * claims and has nothing to complete. A batch is the keys with this target's prefix. Not
 * thread-safe.
 */
abstract class RawTarget implements ClaimTarget<String[]> {

    private final String prefix;

    /** @param prefix put before every key, to keep this run's keys apart on a shared server */
    RawTarget(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public final String[] prepare(String[] keys, int from, int to) {
        String[] batch = new String[to - from];
        for (int i = from; i < to; i++) {
            batch[i - from] = prefix + keys[i];
        }
        return batch;
    }

    @Override
    public final int cycle(String[] batch) {
        throw new UnsupportedOperationException(
                "a raw baseline claims and has nothing to complete: measure it with ClaimBenchmark.claim");
    }
}
