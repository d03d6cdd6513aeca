package dev.decode.runner.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.decode.runner.platform.errors.ProblemException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.mutiny.core.Vertx;

/** What requests and readiness get while the configured Redis cannot be reached (nothing listens on port 1). */
class RedisFailurePolicyTest {

    private static final Vertx VERTX = Vertx.vertx();
    private static final List<Window> GENERAL = List.of(Window.perMinute(Window.REQUESTS, 100));

    @AfterAll
    static void closeVertx() {
        VERTX.closeAndAwait();
    }

    @Test
    void failOpenCountsInMemoryAndStaysReadyWithRedisReportedUnreachable() {
        LimitsConfig config = config("local");
        RateLimiter limiter = new RateLimiter(config, new ManualLimitsClock(), VERTX, new SimpleMeterRegistry());
        List<Verdict> verdicts = Checks.consume(limiter, "user:alice", GENERAL).await().atMost(Duration.ofSeconds(5));
        assertThat(verdicts.get(0).allowed()).isTrue();
        assertThat(verdicts.get(0).remaining()).isEqualTo(99);
        assertThat(limiter.redisAnswering()).isFalse();

        HealthCheckResponse readiness = new LimitsReadiness(limiter, config).call().await().atMost(Duration.ofSeconds(5));
        assertThat(readiness.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(readiness.getData().orElseThrow()).containsEntry("redis", "unreachable").containsEntry("store", "memory");
    }

    @Test
    void failClosedRefusesWith503AndIsNotReady() {
        LimitsConfig config = config("reject");
        RateLimiter limiter = new RateLimiter(config, new ManualLimitsClock(), VERTX, new SimpleMeterRegistry());
        assertThatThrownBy(() -> Checks.consume(limiter, "user:alice", GENERAL).await().atMost(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(ProblemException.class, problem -> {
                    assertThat(problem.status()).isEqualTo(503);
                    assertThat(problem.slug()).isEqualTo("limits-unavailable");
                    assertThat(problem.headers()).containsEntry("Retry-After", "2");
                });

        HealthCheckResponse readiness = new LimitsReadiness(limiter, config).call().await().atMost(Duration.ofSeconds(5));
        assertThat(readiness.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(readiness.getData().orElseThrow()).containsEntry("redis", "unreachable").containsEntry("store", "none");
    }

    private static LimitsConfig config(String onFailure) {
        return LimitsConfigs.withRedis("redis://127.0.0.1:1", Map.of("on-failure", onFailure));
    }
}
