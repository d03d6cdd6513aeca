package dev.decode.runner.jobs;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.startSlowJob;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Memory-aware admission with real dbt processes and the real /proc: under a budget smaller than the service itself,
 * a job starts only when nothing else runs, and waits for memory meanwhile.
 */
@QuarkusTest
@TestProfile(JobAdmissionTest.SmallBudget.class)
class JobAdmissionTest {

    private static final long MIB = 1L << 20;

    public static class SmallBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("runner.jobs.memory-budget", "1M");
        }
    }

    @Inject
    Pool pool;

    @Inject
    MeterRegistry registry;

    @Test
    void aJobWaitsForMemoryWhileAnotherRunsAndStartsWhenItsMemoryFrees() throws Exception {
        String hungry = createUser(uniqueUsername("hungry"));
        String first = startSlowJob(hungry);
        await().atMost(Duration.ofMinutes(2)).until(() -> !JobApi.processesOf(first).isEmpty());

        String patient = createUser(uniqueUsername("patient"));
        String second = JobApi.submitMemoryProbe(patient);
        await().atMost(Duration.ofSeconds(5)).until(() -> JobApi.job(patient, second).getString("waitingFor") != null);
        for (int pass = 0; pass < 4; pass++) {
            JsonPath waiting = JobApi.job(patient, second);
            assertThat(waiting.getString("status")).as("two slots are free, memory is not").isEqualTo("queued");
            assertThat(waiting.getString("waitingFor")).isEqualTo("memory");
            assertThat(waiting.getInt("queuePosition")).isEqualTo(1);
            Thread.sleep(500);
        }
        assertThat(JobApi.job(hungry, first).getString("waitingFor")).as("a running job waits for nothing").isNull();
        assertThat(registry.get("runner.jobs.memory.headroom.bytes").gauge().value()).as("the service alone is over 1M").isNegative();

        as(hungry).when().post("/api/v1/jobs/" + first + "/cancel").then().statusCode(202);
        JsonPath cancelled = JobApi.awaitEnd(hungry, first, Duration.ofMinutes(1));
        JsonPath probed = JobApi.awaitEnd(patient, second, Duration.ofMinutes(3));

        assertThat(cancelled.getString("status")).isEqualTo("cancelled");
        assertThat(probed.getString("status")).isEqualTo("succeeded");
        assertThat(probed.getString("waitingFor")).isNull();
        assertThat(Instant.parse(probed.getString("startedAt"))).as("started once the first had ended")
                .isAfterOrEqualTo(Instant.parse(cancelled.getString("finishedAt")));
        assertThat(JobApi.probedMemoryLimit(patient)).as("no headroom: DuckDB's minimum").isEqualTo("64.0 MiB");
        assertThat(peakMemory(first)).as("dbt's processes were sampled while they ran").isGreaterThan(30 * MIB);
    }

    private Long peakMemory(String id) {
        return pool.preparedQuery("select peak_memory_bytes from jobs where id = $1").execute(Tuple.of(id))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong("peak_memory_bytes");
    }
}
