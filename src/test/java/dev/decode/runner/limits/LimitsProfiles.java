package dev.decode.runner.limits;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import io.quarkus.test.junit.QuarkusTestProfile;

/** The contract's limits (the default %test profile raises them), on a clock the tests move. */
public final class LimitsProfiles {

    private LimitsProfiles() {
    }

    public static class InMemory implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "runner.limits.requests-per-minute", "100",
                    "runner.limits.expensive-per-minute", "20",
                    "runner.limits.concurrent-requests", "5",
                    "runner.limits.log-streams", "3");
        }

        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(ManualLimitsClock.class);
        }
    }

    /** Counts in a Redis of the test's own ({@link OwnRedis}), which the test stops and starts again. */
    public static class InRedis extends InMemory {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("runner.limits.redis-url", "redis://127.0.0.1:" + OwnRedis.PORT);
            overrides.put("runner.limits.redis.retry-after", "200ms");
            return overrides;
        }
    }
}
