package io.github.kdedup.benchmarks;

import java.util.Arrays;
import java.util.function.Predicate;

/**
 * A peer: what users pick instead of kdedup, called one key per call as they use it. A claim is
 * the peer's add ({@code IdempotentRepository.add}, {@code putIfAbsent}); a cycle also confirms each
 * key won where the peer has a confirmation (Camel's {@code confirm}, as its idempotent consumer
 * calls it after the exchange), so that both sides pay what a consumer pays per record. Built by
 * {@link Peers}. Not thread-safe.
 */
final class PeerTarget implements ClaimTarget<String[]> {

    /** Removes what a peer wrote, or releases its resources. */
    @FunctionalInterface
    interface Cleanup {
        void run() throws Exception;
    }

    private final String name;
    private final Predicate<String> add;
    private final Predicate<String> confirm;
    private final Cleanup clear;
    private final Cleanup close;

    /**
     * @param name the peer, for messages
     * @param add claims one key: true when it was absent
     * @param confirm completes one key won
     * @param clear removes every key the peer wrote
     * @param close removes the peer's tables or keys and releases its connections
     */
    PeerTarget(String name, Predicate<String> add, Predicate<String> confirm, Cleanup clear, Cleanup close) {
        this.name = name;
        this.add = add;
        this.confirm = confirm;
        this.clear = clear;
        this.close = close;
    }

    @Override
    public String[] prepare(String[] keys, int from, int to) {
        return Arrays.copyOfRange(keys, from, to);
    }

    @Override
    public int claim(String[] batch) {
        int won = 0;
        for (String key : batch) {
            if (add.test(key)) {
                won++;
            }
        }
        return won;
    }

    @Override
    public int cycle(String[] batch) {
        int completed = 0;
        for (String key : batch) {
            if (add.test(key) && confirm.test(key)) {
                completed++;
            }
        }
        return completed;
    }

    @Override
    public void preload(String[] keys) {
        cycle(keys);
    }

    @Override
    public void clear() {
        run(clear, "clear");
    }

    @Override
    public void close() {
        run(close, "close");
    }

    private void run(Cleanup cleanup, String what) {
        try {
            cleanup.run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot " + what + " " + name + ": " + e.getMessage(), e);
        }
    }
}
