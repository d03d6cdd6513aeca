package dev.decode.runner.limits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * This instance's counts: one Bucket4j token bucket per principal and window, held in a bounded Caffeine cache.
 * A bucket untouched for a whole period is full again, so dropping it after that loses nothing; beyond
 * {@code maxKeys} the least used principals go first, so a flood of distinct addresses cannot grow memory.
 */
// Caffeine builds this cache's entries (size-bounded, expiring after access) with a node class that quarkus-caffeine
// does not register for native images; the cache class itself (SSMSA) it does.
@RegisterForReflection(classNames = "com.github.benmanes.caffeine.cache.PSAMS")
final class LocalRateStore implements RateStore {

    private final Cache<String, Bucket> buckets;
    private final TimeMeter time;

    LocalRateStore(LimitsClock clock, int maxKeys, Duration longestPeriod) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be at least 1, got " + maxKeys);
        }
        this.time = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return clock.nowMicros() * 1000;
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                .expireAfterAccess(longestPeriod)
                .ticker(() -> clock.nowMicros() * 1000)
                // Eviction work is small; doing it on the caller keeps it off the shared ForkJoin pool.
                .executor(Runnable::run)
                .build();
    }

    @Override
    public void consume(String principal, List<Window> windows, BiConsumer<List<Verdict>, Throwable> answer) {
        answer.accept(consumeNow(principal, windows), null);
    }

    List<Verdict> consumeNow(String principal, List<Window> windows) {
        if (windows.size() == 1) {
            Window window = windows.get(0);
            return List.of(verdict(window, bucket(principal, window).tryConsumeAndReturnRemaining(1)));
        }
        List<Verdict> verdicts = new ArrayList<>(windows.size());
        List<Bucket> taken = new ArrayList<>(windows.size());
        boolean refused = false;
        for (Window window : windows) {
            Bucket bucket = bucket(principal, window);
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            if (probe.isConsumed()) {
                taken.add(bucket);
            } else {
                refused = true;
            }
            verdicts.add(verdict(window, probe));
        }
        if (!refused) {
            return verdicts;
        }
        taken.forEach(bucket -> bucket.addTokens(1));
        return verdicts.stream().map(v -> v.allowed()
                ? new Verdict(v.window(), true, v.remaining() + 1, v.resetMicros(), 0) : v).toList();
    }

    long size() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    private Bucket bucket(String principal, Window window) {
        return buckets.get(window.name() + ':' + principal, key -> newBucket(window));
    }

    private static Verdict verdict(Window window, ConsumptionProbe probe) {
        return new Verdict(window, probe.isConsumed(), probe.getRemainingTokens(),
                probe.getNanosToWaitForReset() / 1000, probe.getNanosToWaitForRefill() / 1000);
    }

    private Bucket newBucket(Window window) {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(window.limit()).refillGreedy(window.limit(), window.period()))
                .withCustomTimePrecision(time)
                .build();
    }
}
