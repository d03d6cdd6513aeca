package dev.decode.runner.jobs;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.decode.runner.support.ProcessMemory;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/** With the warm runtime off, each job is a dbt process of the service's own, in its own group, and cancel ends it. */
@QuarkusTest
@TestProfile(PlainProcessJobsTest.WarmRuntimeOff.class)
class PlainProcessJobsTest {

    public static class WarmRuntimeOff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("runner.jobs.warm-runtime", "false");
        }
    }

    @Test
    void aPlainJobIsTheServicesChildAndCancelLeavesNothing() throws Exception {
        RestAssured.when().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'dbt executable' }.data.jobs", equalTo("plain: runner.jobs.warm-runtime is off"));
        String token = createUser(uniqueUsername("plain"));
        String id = JobApi.startSlowModel(token);
        long leader = JobApi.leaderOf(id);
        assertThat(ProcessMemory.parentOf(leader)).isEqualTo(ProcessHandle.current().pid());
        assertThat(ProcessMemory.commandLine(leader)).contains("/dbt run --select slow");

        as(token).when().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202);
        assertThat(JobApi.awaitEnd(token, id, Duration.ofSeconds(40)).getString("status")).isEqualTo("cancelled");
        assertThat(ProcessGroups.members(leader)).isEmpty();
    }
}
