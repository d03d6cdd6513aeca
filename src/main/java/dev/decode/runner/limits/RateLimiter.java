package dev.decode.runner.limits;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.decode.runner.platform.errors.ProblemException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/**
 * Checks a request against its windows in Redis when {@code REDIS_URL} is set, else in memory. While Redis fails,
 * requests are counted in memory (or refused, per {@code runner.limits.redis.on-failure}) and Redis is tried again
 * after {@code retry-after}, so the service returns to the shared counts by itself.
 */
// A singleton, not application-scoped: the filter calls it on every request, and a client proxy's lookup showed in
// the in-memory path's profile.
@Singleton
public class RateLimiter implements RateStore {

    private static final Logger LOG = Logger.getLogger(RateLimiter.class);

    private final LimitsConfig config;
    private final LocalRateStore local;
    private final Optional<RedisRateStore> redis;
    /** System.nanoTime before which Redis is not tried; Long.MIN_VALUE while it answers. */
    private final AtomicLong redisRetryAt = new AtomicLong(Long.MIN_VALUE);

    RateLimiter(LimitsConfig config, LimitsClock clock, Vertx vertx, MeterRegistry metrics) {
        this.config = config;
        this.local = new LocalRateStore(clock, config.maxKeys(), Duration.ofMinutes(1));
        this.redis = config.redisUrl().filter(url -> !url.isBlank()).map(url -> new RedisRateStore(
                vertx.getDelegate(), url, config.redis().keyPrefix(), clock, config.redis().timeout()));
        metrics.gauge("runner.limits.redis.up", this, limiter -> limiter.redis.isEmpty() || limiter.redisAnswering() ? 1 : 0);
        metrics.gauge("runner.limits.memory.keys", local, LocalRateStore::size);
        LOG.infof("Rate limits store=%s", redis.isPresent() ? "redis" : "memory");
    }

    /** Connects at start-up, so the first requests do not pay for the connections and fall back on their timeout. */
    void onStart(@Observes StartupEvent event) {
        redis.ifPresent(store -> {
            store.warmUp();
            store.ping().subscribe().with(this::redisAnswered, this::redisFailed);
        });
    }

    @Override
    public void consume(String principal, List<Window> windows, BiConsumer<List<Verdict>, Throwable> answer) {
        if (redis.isEmpty() || System.nanoTime() < redisRetryAt.get()) {
            whileRedisIsDown(principal, windows, answer);
            return;
        }
        redis.get().consume(principal, windows, (verdicts, failure) -> {
            if (failure == null) {
                redisAnswered(verdicts);
                answer.accept(verdicts, null);
            } else {
                redisFailed(failure);
                whileRedisIsDown(principal, windows, answer);
            }
        });
    }

    /** Whether the counts live in Redis; without it {@link #consumeInMemory} answers at once, on the caller's thread. */
    public boolean sharesCounts() {
        return redis.isPresent();
    }

    public List<Verdict> consumeInMemory(String principal, List<Window> windows) {
        return local.consumeNow(principal, windows);
    }

    /** Empty without Redis; else whether it answers a PING now. Also brings the limiter back to Redis early. */
    public Uni<Optional<Map<String, Object>>> redisStatus() {
        if (redis.isEmpty()) {
            return Uni.createFrom().item(Optional.empty());
        }
        return redis.get().ping().invoke(this::redisAnswered)
                .map(ignored -> true)
                .onFailure().recoverWithItem(failure -> {
                    redisFailed(failure);
                    return false;
                })
                .map(up -> Optional.of(Map.of("redis", up ? "reachable" : "unreachable",
                        "store", up ? "redis" : config.redis().onFailure() == LimitsConfig.OnFailure.LOCAL ? "memory" : "none",
                        "onRedisFailure", config.redis().onFailure().name().toLowerCase())));
    }

    boolean redisAnswering() {
        return redisRetryAt.get() == Long.MIN_VALUE;
    }

    private void whileRedisIsDown(String principal, List<Window> windows, BiConsumer<List<Verdict>, Throwable> answer) {
        if (redis.isPresent() && config.redis().onFailure() == LimitsConfig.OnFailure.REJECT) {
            answer.accept(null, new ProblemException(503, "limits-unavailable", "Limits unavailable",
                    "The rate-limit store is unreachable; try again shortly.",
                    Map.of("Retry-After", Long.toString(Math.max(1, config.redis().retryAfter().toSeconds())))));
            return;
        }
        local.consume(principal, windows, answer);
    }

    private void redisAnswered(Object ignored) {
        // Read first: every loop answers here, and a write on each request would bounce the field between cores.
        if (redisRetryAt.get() != Long.MIN_VALUE && redisRetryAt.getAndSet(Long.MIN_VALUE) != Long.MIN_VALUE) {
            LOG.info("Redis reachable again; rate limits are shared again");
        }
    }

    private void redisFailed(Throwable failure) {
        long retryAt = System.nanoTime() + config.redis().retryAfter().toNanos();
        if (redisRetryAt.getAndSet(retryAt) == Long.MIN_VALUE) {
            LOG.warnf("Redis unreachable, rate limits fall back to onFailure=%s reason=%s",
                    config.redis().onFailure().name().toLowerCase(), failure.getClass().getSimpleName());
        }
    }

    @PreDestroy
    void close() {
        redis.ifPresent(RedisRateStore::close);
    }
}
