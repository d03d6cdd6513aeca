package dev.decode.runner.tutor;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.common.MapBackedConfigSource;

/**
 * Feeds the {@code runner.tutor.*} guard settings to the Fault Tolerance annotations of {@link TutorUpstream#exchange},
 * whose configuration wants plain numbers and units where {@link TutorConfig} speaks durations. Its ordinal sits
 * below application.properties, so an explicit {@code quarkus.fault-tolerance.*} line still wins.
 */
public class TutorGuardSettings implements ConfigSourceFactory {

    static final String GUARDED = "quarkus.fault-tolerance.\"" + TutorUpstream.class.getName() + "/exchange\".";
    private static final int ORDINAL = 240;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        long timeout = duration(context, "runner.tutor.timeout", TutorConfig.DEFAULT_TIMEOUT).toMillis();
        long delay = duration(context, "runner.tutor.breaker.delay", TutorConfig.DEFAULT_BREAKER_DELAY).toMillis();
        return List.of(new MapBackedConfigSource("TutorGuardSettings", Map.of(
                GUARDED + "timeout.value", Long.toString(timeout),
                GUARDED + "timeout.unit", "millis",
                GUARDED + "bulkhead.value", value(context, "runner.tutor.max-concurrent", TutorConfig.DEFAULT_MAX_CONCURRENT),
                GUARDED + "bulkhead.waiting-task-queue", value(context, "runner.tutor.max-waiting", TutorConfig.DEFAULT_MAX_WAITING),
                GUARDED + "circuit-breaker.request-volume-threshold",
                value(context, "runner.tutor.breaker.window", TutorConfig.DEFAULT_BREAKER_WINDOW),
                GUARDED + "circuit-breaker.failure-ratio",
                value(context, "runner.tutor.breaker.failure-ratio", TutorConfig.DEFAULT_BREAKER_FAILURE_RATIO),
                GUARDED + "circuit-breaker.delay", Long.toString(delay),
                GUARDED + "circuit-breaker.delay-unit", "millis"), ORDINAL) {
        });
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }

    private static Duration duration(ConfigSourceContext context, String name, String fallback) {
        return DurationConverter.parseDuration(value(context, name, fallback));
    }

    private static String value(ConfigSourceContext context, String name, String fallback) {
        ConfigValue value = context.getValue(name);
        return value == null || value.getValue() == null || value.getValue().isBlank() ? fallback : value.getValue().trim();
    }
}
