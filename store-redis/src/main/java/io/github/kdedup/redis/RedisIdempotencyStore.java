package io.github.kdedup.redis;

import io.github.kdedup.AbstractIdempotencyStore;
import io.github.kdedup.Claim;
import io.github.kdedup.ClaimRequest;
import io.github.kdedup.ClaimResult;
import io.github.kdedup.ClaimState;
import io.github.kdedup.ExistingRecord;
import io.github.kdedup.FencingTokens;
import io.github.kdedup.IdempotencyStoreException;
import io.github.kdedup.StoreCapabilities;
import io.github.kdedup.StoredRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An {@link io.github.kdedup.IdempotencyStore} on Redis (standalone, or Redis Cluster) through
 * Jedis. Records are shared by every store opened on the same server and key prefix. Open one with
 * {@link RedisStores}.
 *
 * <p>Versions: Redis 7.x claims with {@code SET NX GET}; Redis 6.2 (no {@code NX} with {@code GET})
 * claims through a script with the same answers and still one round trip per batch per node: the
 * store reads each node's version when it opens. Redis 6.0 uses the same commands as 6.2 and should
 * work, but is not tested; 5.x and older are not supported (no ACL user in {@code AUTH}). Valkey 7.2+
 * reports a Redis 7 version and speaks the same commands, but is not tested.
 *
 * <h2>Storage algorithm</h2>
 *
 * <ol>
 *   <li>Each (namespace, key) is one Redis string key, {@code <prefix>:<namespace>:<key>}, with the
 *       parts escaped (see {@code RedisRecords}): no brace survives, so in a cluster every key is
 *       hashed on its own and a batch spreads over all masters. A hash tag on the namespace would put
 *       a whole consumer group on one slot, one node: a hot spot that no resharding can split. The
 *       price of per-key hashing is that a batch touches every node; Jedis's cluster pipeline groups
 *       the commands by node, so a batch still costs one round trip per node, in parallel.
 *   <li>The value is a compact record, {@code 2|I|<token>|orders|3|1042|<owner>|<fingerprint>}
 *       (version, state I/C, token, origin topic, partition, offset, owner, fingerprint; {@code %}
 *       and {@code |} escaped in text fields). Expiry is the key's TTL: an expired record is simply
 *       absent, and only the server's clock decides.
 *   <li>{@code claim}: the client draws a new token ({@link FencingTokens}) per request and pipelines
 *       {@code SET key <in-progress record> NX PX <lease> GET} for the whole batch: one round trip
 *       (per node). On Redis 6.2 the {@code CLAIM} script does the same for a group of keys. A nil
 *       reply means the key was absent and is now claimed: CLAIMED. A record in the reply was there
 *       at that instant and was left alone: COMPLETED, or IN_PROGRESS of another origin, is a
 *       DUPLICATE of it.
 *   <li>Only an IN_PROGRESS record of the request's own origin (an abandoned attempt) goes on to the
 *       {@code RECLAIM} script for those keys: atomically it re-reads each key, and finds it gone
 *       (expired or released since): writes the new record, CLAIMED; finds it still in progress with
 *       the same origin (whatever its token): replaces it, RECLAIMED, reporting the record it
 *       replaced, whose token is now fenced; finds anything else (completed meanwhile, or claimed by
 *       another origin): DUPLICATE of what it found. Every answer is therefore what one atomic step
 *       saw; none is guessed.
 *   <li>{@code complete} and {@code release} run the {@code COMPLETE} / {@code RELEASE} script once
 *       per batch on a standalone server, once per hash slot in a cluster (at most 1,000 keys a
 *       call): for each key it checks that the record starts with {@code 2|I|<token>|} (in progress
 *       under the claim's token), then rewrites it as COMPLETED with {@code PX <retention>}, or
 *       deletes it; any other key is left alone and answers false.
 *   <li>Scripts run by {@code EVALSHA}; a {@code NOSCRIPT} reply (a restarted or failed-over server,
 *       {@code SCRIPT FLUSH}) means the script did not run, so only those calls are sent again with
 *       {@code EVAL}.
 *   <li>{@code find} runs the {@code FIND} script: the value, its {@code PTTL} and the server's
 *       {@code TIME}, read atomically on the key's node, give {@code expiresAt} by the server's
 *       clock.
 *   <li>At open the store pings every node, reads its version and {@code maxmemory-policy}: a policy
 *       that may evict these keys (anything but {@code noeviction}; see {@link #evictionWarning()})
 *       is logged at WARN, since an evicted key is a forgotten event, processed again.
 * </ol>
 *
 * <p>Failures (connection refused, timeout, authentication, TLS, {@code OOM}, {@code READONLY}, a
 * lost cluster node) become {@link IdempotencyStoreException}s that name the server by its redacted
 * URI and what to check. A pipeline that failed may have claimed some keys: those claims expire with
 * their lease, or are reclaimed by the next claim of the same origin.
 *
 * <p>Thread-safe: each batch borrows a connection (per node) from the pool for its pipeline. Null is
 * never accepted or returned, except where {@link io.github.kdedup.IdempotencyStore} says so.
 */
public final class RedisIdempotencyStore extends AbstractIdempotencyStore {

    /**
     * The largest batch sent as one pipeline: 10,000 commands of about 150 bytes keep one exchange
     * near 1.5 MB each way, well under Redis's client buffer limits, while a Kafka poll
     * ({@code max.poll.records}, 500 by default) always fits.
     */
    public static final int MAX_BATCH_SIZE = 10_000;

    private final RedisGateway redis;
    private final String keyPrefix;

    RedisIdempotencyStore(RedisGateway redis, String keyPrefix) {
        this.redis = redis;
        this.keyPrefix = keyPrefix;
    }

    /**
     * Returns the warning logged at open when a node's {@code maxmemory-policy} may evict these keys,
     * or empty when every node answered {@code noeviction} or CONFIG could not be read.
     */
    public Optional<String> evictionWarning() {
        return redis.evictionWarning();
    }

    @Override
    protected List<ClaimResult> doClaim(List<ClaimRequest> requests) {
        int size = requests.size();
        String[] keys = new String[size];
        String[] values = new String[size];
        String[] tokens = new String[size];
        String operation = "claim of " + size + " keys";
        // Each key and record is built as the gateway sends it, so that Redis works while the rest is encoded.
        List<@Nullable String> previous = redis.setIfAbsent(
                size,
                i -> {
                    ClaimRequest request = requests.get(i);
                    tokens[i] = FencingTokens.next();
                    keys[i] = RedisRecords.key(keyPrefix, request.namespace(), request.key());
                    values[i] = RedisRecords.inProgress(request, tokens[i]);
                    return new RedisGateway.Write(
                            keys[i], values[i], request.lease().toMillis());
                },
                operation);
        ClaimResult[] results = new ClaimResult[size];
        List<Integer> reclaims = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ClaimRequest request = requests.get(i);
            String found = previous.get(i);
            if (found == null) {
                results[i] = ClaimResult.claimed(request, tokens[i]);
                continue;
            }
            RedisRecords.Decoded record = decode(found, keys[i]);
            if (record.state() == ClaimState.IN_PROGRESS && record.origin().equals(request.origin())) {
                reclaims.add(i);
            } else {
                results[i] = ClaimResult.duplicate(request, existing(record));
            }
        }
        if (!reclaims.isEmpty()) {
            reclaim(requests, keys, values, tokens, reclaims, results);
        }
        return Arrays.asList(results);
    }

    /** Settles the same-origin in-progress keys by the RECLAIM script, which re-checks atomically. */
    private void reclaim(
            List<ClaimRequest> requests,
            String[] keys,
            String[] values,
            String[] tokens,
            List<Integer> reclaims,
            ClaimResult[] results) {
        List<String> reclaimKeys = new ArrayList<>(reclaims.size());
        reclaims.forEach(i -> reclaimKeys.add(keys[i]));
        List<Object> answers = redis.evalPerKey(
                RedisScripts.Script.RECLAIM,
                reclaimKeys,
                List.of(),
                j -> {
                    ClaimRequest request = requests.get(reclaims.get(j));
                    return List.of(
                            RedisRecords.origin(request.origin()),
                            values[reclaims.get(j)],
                            Long.toString(request.lease().toMillis()));
                },
                "reclaim of " + reclaims.size() + " keys");
        for (int j = 0; j < reclaims.size(); j++) {
            int i = reclaims.get(j);
            String answer = String.valueOf(answers.get(j));
            ClaimRequest request = requests.get(i);
            results[i] = switch (answer.charAt(0)) {
                case 'C' -> ClaimResult.claimed(request, tokens[i]);
                case 'R' -> ClaimResult.reclaimed(request, tokens[i], existing(decode(answer.substring(1), keys[i])));
                default -> ClaimResult.duplicate(request, existing(decode(answer.substring(1), keys[i])));
            };
        }
    }

    @Override
    protected List<Boolean> doComplete(List<Claim> claims, Duration retention) {
        return fenced(RedisScripts.Script.COMPLETE, claims, List.of(Long.toString(retention.toMillis())), "complete");
    }

    @Override
    protected List<Boolean> doRelease(List<Claim> claims) {
        return fenced(RedisScripts.Script.RELEASE, claims, List.of(), "release");
    }

    /** Runs a token-fenced script for every claim: one call per batch (per hash slot in a cluster). */
    private List<Boolean> fenced(RedisScripts.Script script, List<Claim> claims, List<String> shared, String name) {
        List<String> keys = new ArrayList<>(claims.size());
        for (Claim claim : claims) {
            keys.add(RedisRecords.key(keyPrefix, claim.namespace(), claim.key()));
        }
        List<Object> answers = redis.evalPerKey(
                script,
                keys,
                shared,
                i -> List.of(RedisRecords.fence(claims.get(i).token())),
                name + " of " + claims.size() + " keys");
        List<Boolean> result = new ArrayList<>(answers.size());
        for (Object answer : answers) {
            result.add(answer instanceof Long n && n == 1L);
        }
        return result;
    }

    @Override
    protected Optional<StoredRecord> doFind(String namespace, String key) {
        String redisKey = RedisRecords.key(keyPrefix, namespace, key);
        Object answer = redis.eval(
                        RedisScripts.Script.FIND, List.of(new RedisScripts.Call(List.of(redisKey), List.of())), "find")
                .get(0);
        if (!(answer instanceof List<?> parts) || parts.size() < 4) {
            return Optional.empty();
        }
        RedisRecords.Decoded found = decode(String.valueOf(parts.get(0)), redisKey);
        // -1 (no TTL) cannot happen for keys this store wrote; report "now" rather than invent a lifetime.
        long pttl = Math.max(0, ((Number) parts.get(1)).longValue());
        Instant serverNow = Instant.ofEpochSecond(
                Long.parseLong(String.valueOf(parts.get(2))), Long.parseLong(String.valueOf(parts.get(3))) * 1000L);
        return Optional.of(new StoredRecord(
                namespace,
                key,
                found.state(),
                found.token(),
                found.owner(),
                found.origin(),
                found.fingerprint(),
                serverNow.plusMillis(pttl)));
    }

    private RedisRecords.Decoded decode(String value, String redisKey) {
        try {
            return RedisRecords.decode(value);
        } catch (RuntimeException e) {
            throw new IdempotencyStoreException(
                    description(), "decoding key " + redisKey, String.valueOf(e.getMessage()), e);
        }
    }

    private static ExistingRecord existing(RedisRecords.Decoded found) {
        return new ExistingRecord(found.state(), found.origin(), found.owner(), found.fingerprint());
    }

    @Override
    protected void doClose() {
        redis.close();
    }

    @Override
    public StoreCapabilities capabilities() {
        return new StoreCapabilities(MAX_BATCH_SIZE, true);
    }

    @Override
    public String description() {
        return redis.description();
    }
}
