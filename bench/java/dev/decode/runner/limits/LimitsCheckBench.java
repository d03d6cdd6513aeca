package dev.decode.runner.limits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;

/**
 * The cost of one limits check without HTTP around it, which a loaded machine distorts far less than requests/s:
 * an in-memory check (bucket plus in-flight slot) in nanoseconds, and a Redis check's latency one at a time and
 * its throughput with 16 in flight. Run by bench/limits-micro.sh.
 */
public final class LimitsCheckBench {

    public static void main(String[] args) {
        List<Window> windows = List.of(Window.perMinute(Window.REQUESTS, 1_000_000_000));
        LocalRateStore local = new LocalRateStore(new LimitsClock(), 20_000, Duration.ofMinutes(1));
        InFlight inFlight = new InFlight();
        for (int round = 1; round <= 5; round++) {
            int n = 2_000_000;
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                Verdict.tightest(local.consumeNow("user:alice", windows));
                inFlight.tryAcquire("user:alice", 100).orElseThrow().release();
            }
            System.out.printf("memory round %d: %.0f ns per check%n", round, (System.nanoTime() - start) / (double) n);
        }

        String url = args.length > 0 ? args[0] : "redis://127.0.0.1:6379";
        Vertx vertx = Vertx.vertx();
        Redis client = Redis.createClient(vertx, url);
        RedisRateStore redis = new RedisRateStore(vertx, client, "bench-" + UUID.randomUUID() + ":", new LimitsClock(), Duration.ofSeconds(5));
        try {
            for (int round = 1; round <= 3; round++) {
                int n = 5_000;
                long start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    redis.consume("user:alice", windows).await().atMost(Duration.ofSeconds(5));
                }
                double sequentialUs = (System.nanoTime() - start) / 1000.0 / n;
                start = System.nanoTime();
                List<Uni<List<Verdict>>> batch = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    batch.add(redis.consume("user:alice", windows));
                    if (batch.size() == 16) {
                        Uni.join().all(batch).andFailFast().await().atMost(Duration.ofSeconds(5));
                        batch.clear();
                    }
                }
                double perSecond = n / ((System.nanoTime() - start) / 1e9);
                System.out.printf("redis round %d: %.0f µs per check one at a time, %.0f checks/s with 16 in flight%n",
                        round, sequentialUs, perSecond);
            }
        } finally {
            client.close();
            vertx.closeAndAwait();
        }
    }
}
