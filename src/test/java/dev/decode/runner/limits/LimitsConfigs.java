package dev.decode.runner.limits;

import java.time.Duration;
import java.util.Map;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;

/** A {@link LimitsConfig} with Redis at {@code url}, for tests that build the limiter without Quarkus. */
final class LimitsConfigs {

    private LimitsConfigs() {
    }

    static LimitsConfig withRedis(String url, Map<String, String> redisSettings) {
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder()
                .withMapping(LimitsConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withDefaultValue("runner.limits.redis-url", url);
        redisSettings.forEach((name, value) -> builder.withDefaultValue("runner.limits.redis." + name, value));
        return builder.build().getConfigMapping(LimitsConfig.class);
    }
}
