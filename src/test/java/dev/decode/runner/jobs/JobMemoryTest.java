package dev.decode.runner.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** What a job is expected to need, and the DuckDB limit a job gets from its headroom, with the service's defaults. */
class JobMemoryTest {

    private static final long MIB = 1L << 20;

    @Test
    void aLearnersLastPeakOfACommandReplacesTheDefault() throws IOException {
        JobMemory memory = plain(Map.of());

        assertThat(memory.need("ann", "build")).as("the default of a plain process, while no warm runtime is ready").isEqualTo(180 * MIB);
        assertThat(memory.knows("ann", "build")).isFalse();

        memory.remember("ann", "build", 210 * MIB, true);
        memory.remember("ann", "parse", 90 * MIB, true);
        memory.remember("ann", "build", 170 * MIB, true);
        memory.remember("ann", "seed", 0, true);

        assertThat(memory.need("ann", "build")).as("the last one").isEqualTo(170 * MIB);
        memory.remember("ann", "build", 20 * MIB, false);
        assertThat(memory.need("ann", "build")).as("a job stopped early only raises it").isEqualTo(170 * MIB);
        memory.remember("ann", "build", 250 * MIB, false);
        assertThat(memory.need("ann", "build")).isEqualTo(250 * MIB);
        assertThat(memory.need("ann", "parse")).isEqualTo(90 * MIB);
        assertThat(memory.need("ann", "seed")).as("a job never sampled teaches nothing").isEqualTo(180 * MIB);
        assertThat(memory.need("bob", "build")).isEqualTo(180 * MIB);
        memory.remember("bob", "build", 30 * MIB, false);
        assertThat(memory.need("bob", "build")).as("stopped early, below the default").isEqualTo(180 * MIB);

        memory.forget("ann");
        assertThat(memory.need("ann", "build")).isEqualTo(180 * MIB);
    }

    /** Its services as they are before start-up: no warm runtime is ready. */
    private static JobMemory plain(Map<String, String> environment) throws IOException {
        JobsConfig config = JobsConfigTest.config(environment);
        return new JobMemory(config, new WarmRuntime(config, new ObjectMapper()));
    }

    @Test
    void duckDbGetsTheHeadroomWithinTheConfiguredLimitAndAWorkingMinimum() throws IOException {
        JobMemory memory = plain(Map.of());

        assertThat(memory.duckdbLimit(400 * MIB)).isEqualTo(128 * MIB);
        assertThat(memory.duckdbLimit(100 * MIB)).isEqualTo(100 * MIB);
        assertThat(memory.duckdbLimit(10 * MIB)).isEqualTo(64 * MIB);
        assertThat(memory.duckdbLimit(-300 * MIB)).as("started past the budget").isEqualTo(64 * MIB);

        JobMemory small = plain(Map.of("RUNNER_JOBS_PROCESS_DUCKDB_MEMORY_LIMIT", "32M"));
        assertThat(small.duckdbLimit(-300 * MIB)).as("the minimum never passes the configured limit").isEqualTo(32 * MIB);
    }
}
