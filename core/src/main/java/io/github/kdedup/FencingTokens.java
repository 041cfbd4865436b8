package io.github.kdedup;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.SplittableRandom;

/**
 * Makes fencing tokens: 128 random bits as 22 URL-safe Base64 characters, unique per claim with
 * overwhelming probability across all processes. Thread-safe: each thread draws from its own
 * generator, seeded from {@link SecureRandom}, so that token generation never contends on a lock.
 */
public final class FencingTokens {

    private static final SecureRandom SEEDS = new SecureRandom();
    private static final ThreadLocal<SplittableRandom> RANDOM =
            ThreadLocal.withInitial(() -> new SplittableRandom(SEEDS.nextLong() ^ System.nanoTime()));
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private FencingTokens() {}

    /** Returns a new token. */
    public static String next() {
        SplittableRandom random = RANDOM.get();
        long a = random.nextLong();
        long b = random.nextLong();
        byte[] bytes = new byte[16];
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (a >>> (8 * i));
            bytes[8 + i] = (byte) (b >>> (8 * i));
        }
        return ENCODER.encodeToString(bytes);
    }
}
