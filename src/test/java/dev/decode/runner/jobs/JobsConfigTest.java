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

/** The jobs own the per-user queue limit; the name the README documents, from the limits' section, still sets it. */
class JobsConfigTest {

    @Test
    void theDocumentedLimitsVariableSetsTheQueuedJobsOfAUser() throws IOException {
        assertThat(maxQueuedJobs(Map.of())).isEqualTo(3);
        assertThat(maxQueuedJobs(Map.of("RUNNER_LIMITS_MAX_QUEUED_JOBS", "7"))).isEqualTo(7);
        assertThat(maxQueuedJobs(Map.of("RUNNER_JOBS_MAX_QUEUED_JOBS", "5", "RUNNER_LIMITS_MAX_QUEUED_JOBS", "7"))).isEqualTo(5);
    }

    private static int maxQueuedJobs(Map<String, String> environment) throws IOException {
        return new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withSources(new PropertiesConfigSource(JobsConfigTest.class.getResource("/application.properties"), 250))
                .withSources(new EnvConfigSource(environment, 300))
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withMapping(JobsConfig.class)
                .build().getConfigMapping(JobsConfig.class).maxQueuedJobs();
    }
}
