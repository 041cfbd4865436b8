package io.github.kdedup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Some positions of a batch, in ascending order: picks the elements at those positions out of the
 * batch and puts the answers for them back at the same positions. It is the one way kdedup maps
 * indexes between a batch and a part of it: the keyed records of a poll ({@code DedupEngine}), the
 * first occurrence of each key and the rounds of repeated keys ({@link AbstractIdempotencyStore}), and
 * any part a store answers on a path of its own.
 *
 * <p>Not thread-safe: build and use it on one thread.
 */
public final class Subset {

    private final int batchSize;
    private int[] positions;
    private int size;

    /**
     * Creates an empty subset of a batch.
     *
     * @param batchSize the size of the whole batch
     */
    public Subset(int batchSize) {
        if (batchSize < 0) {
            throw new IllegalArgumentException("batchSize must be >= 0, got " + batchSize);
        }
        this.batchSize = batchSize;
        this.positions = new int[Math.min(batchSize, 16)];
    }

    /**
     * Adds a position, greater than every position added before.
     *
     * @param position the position in the batch
     * @throws IllegalArgumentException when it is out of the batch or not ascending
     */
    public void add(int position) {
        if (position < 0 || position >= batchSize || (size > 0 && position <= positions[size - 1])) {
            throw new IllegalArgumentException("position " + position + " is not after the last one ("
                    + (size == 0 ? "none" : positions[size - 1]) + ") within a batch of " + batchSize);
        }
        if (size == positions.length) {
            positions = Arrays.copyOf(positions, Math.max(1, Math.min(batchSize, size * 2)));
        }
        positions[size++] = position;
    }

    /** Returns how many positions it holds. */
    public int size() {
        return size;
    }

    /** Returns whether it holds every position of the batch, so that no mapping is needed. */
    public boolean isWhole() {
        return size == batchSize;
    }

    /**
     * Returns the elements of the batch at these positions, in order.
     *
     * @param batch the batch, of the size given at creation
     * @param <T> the element type
     * @return the picked elements (the batch itself when the subset is whole)
     */
    public <T> List<T> pick(List<T> batch) {
        requireBatch(batch.size());
        if (isWhole()) {
            return batch;
        }
        List<T> picked = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            picked.add(batch.get(positions[i]));
        }
        return picked;
    }

    /**
     * Writes the answers for the picked elements back at their positions.
     *
     * @param answers one answer per picked element, in order
     * @param into the answers of the whole batch, of the size given at creation
     * @param <R> the answer type
     * @throws IllegalArgumentException when there is not one answer per position
     */
    public <R> void putBack(List<? extends R> answers, R[] into) {
        requireBatch(into.length);
        if (answers.size() != size) {
            throw new IllegalArgumentException("expected " + size + " answers, got " + answers.size());
        }
        for (int i = 0; i < size; i++) {
            into[positions[i]] = answers.get(i);
        }
    }

    private void requireBatch(int length) {
        if (length != batchSize) {
            throw new IllegalArgumentException("expected a batch of " + batchSize + ", got " + length);
        }
    }
}
