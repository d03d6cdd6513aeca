package dev.decode.runner.jobs;

import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.startSlowJob;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/** A job over the maximum run time is stopped and ends timed_out. */
@QuarkusTest
@TestProfile(JobTimeoutTest.ShortRunTime.class)
class JobTimeoutTest {

    public static class ShortRunTime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("runner.jobs.max-run-time", "8s", "runner.jobs.cancel-grace", "5s");
        }
    }

    @Test
    void aJobOverTheMaximumRunTimeEndsTimedOutWithNoProcessLeft() throws Exception {
        String token = createUser(uniqueUsername("slowpoke"));
        String id = startSlowJob(token);
        JsonPath job = JobApi.awaitEnd(token, id, Duration.ofMinutes(1));

        assertThat(job.getString("status")).isEqualTo("timed_out");
        assertThat(JobApi.processesOf(id)).isEmpty();
    }
}
