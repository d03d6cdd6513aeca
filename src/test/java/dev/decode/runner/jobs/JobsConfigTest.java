package dev.decode.runner.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/** Settings whose names the README documents apart from the runner.jobs prefix. */
class JobsConfigTest {

    @Test
    void theDocumentedLimitsVariableSetsTheQueuedJobsOfAUser() throws IOException {
        assertThat(config(Map.of()).maxQueuedJobs()).isEqualTo(3);
        assertThat(config(Map.of("RUNNER_LIMITS_MAX_QUEUED_JOBS", "7")).maxQueuedJobs()).isEqualTo(7);
        assertThat(config(Map.of("RUNNER_JOBS_MAX_QUEUED_JOBS", "5", "RUNNER_LIMITS_MAX_QUEUED_JOBS", "7")).maxQueuedJobs()).isEqualTo(5);
    }

    @Test
    void theMemoryBudgetIs512MUnlessRunnerMemoryBudgetSaysOtherwise() throws IOException {
        assertThat(config(Map.of()).memoryBudget().asLongValue()).isEqualTo(512L << 20);
        assertThat(config(Map.of("RUNNER_MEMORY_BUDGET", "400M")).memoryBudget().asLongValue()).isEqualTo(400L << 20);
        assertThat(config(Map.of("RUNNER_JOBS_MEMORY_BUDGET", "1G")).memoryBudget().asLongValue()).isEqualTo(1L << 30);
    }

    /** The jobs' settings as the service reads them from application.properties (no test profile) and {@code environment}. */
    static JobsConfig config(Map<String, String> environment) throws IOException {
        return new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withSources(new PropertiesConfigSource(JobsConfigTest.class.getResource("/application.properties"), 250))
                .withSources(new EnvConfigSource(environment, 300))
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withMapping(JobsConfig.class)
                .build().getConfigMapping(JobsConfig.class);
    }
}
