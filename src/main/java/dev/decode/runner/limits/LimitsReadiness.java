package dev.decode.runner.limits;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

/**
 * Reports where the counts live and whether Redis answers. With {@code on-failure=local} an unreachable Redis leaves
 * the check UP (with {@code redis: unreachable} in its data): the instance still serves, under in-memory limits, and
 * taking every instance out of rotation would turn a weaker limit into an outage. With {@code reject} the instance
 * refuses every API request while Redis is away, so it is not ready and the check is DOWN.
 */
@Readiness
@ApplicationScoped
class LimitsReadiness implements AsyncHealthCheck {

    private final RateLimiter limiter;
    private final LimitsConfig config;

    LimitsReadiness(RateLimiter limiter, LimitsConfig config) {
        this.limiter = limiter;
        this.config = config;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return limiter.redisStatus().map(status -> {
            HealthCheckResponseBuilder check = HealthCheckResponse.named("Rate limits");
            if (status.isEmpty()) {
                return check.withData("store", "memory").up().build();
            }
            status.get().forEach((key, value) -> check.withData(key, value.toString()));
            boolean refusing = "unreachable".equals(status.get().get("redis")) && config.redis().onFailure() == LimitsConfig.OnFailure.REJECT;
            return check.status(!refusing).build();
        });
    }
}
