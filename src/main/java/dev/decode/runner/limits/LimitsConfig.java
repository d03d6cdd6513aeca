package dev.decode.runner.limits;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Per-principal limits from the API contract's "Limits" section, and where their counts live. */
@ConfigMapping(prefix = "runner.limits")
public interface LimitsConfig {

    /** Every /api/** request counts against this window. */
    @WithDefault("100")
    int requestsPerMinute();

    /** Queries, job submissions and tutor chats also count against this one. */
    @WithDefault("20")
    int expensivePerMinute();

    /** Requests of one user in flight at once (log streams excluded). */
    @WithDefault("5")
    int concurrentRequests();

    /** Log streams of one user open at once. */
    @WithDefault("3")
    int logStreams();

    /** Buckets (one per principal and window) the in-memory store keeps; beyond it the least used go first. */
    @WithDefault("20000")
    int maxKeys();

    /** {@code REDIS_URL}: when set, the windows' counts live in Redis and hold across instances. */
    Optional<String> redisUrl();

    Redis redis();

    interface Redis {
        /** Every key starts with it, so that several services (or test runs) can share one Redis. */
        @WithDefault("decode-runner:limits:")
        String keyPrefix();

        /** A check slower than this counts as Redis being unreachable. */
        @WithDefault("250ms")
        Duration timeout();

        /** After a failure, requests use the in-memory limits for this long before Redis is tried again. */
        @WithDefault("2s")
        Duration retryAfter();

        /** What requests get while Redis is unreachable. */
        @WithDefault("local")
        OnFailure onFailure();
    }

    enum OnFailure {
        /** Keep serving, counted by this instance's in-memory limits. */
        LOCAL,
        /** Refuse with 503 until Redis answers again. */
        REJECT
    }
}
