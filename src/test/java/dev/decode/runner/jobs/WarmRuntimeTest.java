package dev.decode.runner.jobs;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.decode.runner.support.Api;
import dev.decode.runner.support.DbtEnvironment;
import dev.decode.runner.support.ProcessMemory;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * Jobs forked from the warm dbt runtime: each is a process group of its own that cancel leaves nothing of, whose
 * environment holds only what dbt needs, and whose memory holds nothing of another learner's job; the runtime is
 * started again when it dies.
 */
@QuarkusTest
@TestProfile(WarmRuntimeTest.WithTutorKey.class)
class WarmRuntimeTest {

    /** A service secret that a job must never see: the tutor's API key. */
    static final String TUTOR_KEY = "gsk_warm_runtime_test_key_5Jq9ZrT2";
    private static final Pattern RUNTIME_PID = Pattern.compile("^warm: dbt [0-9.]+, pid (\\d+)$");
    /** Every variable a dbt process gets (DbtLauncher.environment). */
    private static final Set<String> DBT_ENVIRONMENT = Set.of("PATH", "HOME", "LANG", "LC_ALL", "PYTHONUNBUFFERED",
            "PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "DBT_PROFILES_DIR", "DBT_SEND_ANONYMOUS_USAGE_STATS", "DBT_VERSION_CHECK",
            "DBT_LOG_FORMAT", "DBT_USE_COLORS");

    public static class WithTutorKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("runner.tutor.api-key", TUTOR_KEY);
        }
    }

    @Inject
    WarmRuntime runtime;

    @Inject
    JobMemory memory;

    @Test
    void readinessSaysJobsForkFromTheWarmRuntime() {
        long pid = awaitWarm();
        io.restassured.RestAssured.when().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'dbt executable' }.data.jobs", equalTo(runtime.state()))
                .body("checks.find { it.name == 'dbt executable' }.data.jobs", startsWith("warm: dbt 1.11"));
        assertThat(ProcessHandle.of(pid)).hasValueSatisfying(process -> assertThat(process.isAlive()).isTrue());
        assertThat(memory.need(uniqueUsername("newcomer"), "build")).as("a forked job's default need").isEqualTo(120L << 20);
    }

    @Test
    void aForkedJobIsCancelledWithNoProcessLeft() throws Exception {
        long runtimePid = awaitWarm();
        String token = createUser(uniqueUsername("forkcancel"));
        String id = JobApi.startSlowModel(token);
        long leader = JobApi.leaderOf(id);
        assertThat(ProcessMemory.parentOf(leader)).as("forked from the runtime").isEqualTo(runtimePid);
        assertThat(ProcessGroups.groupOf(leader)).as("the leader of its own group").isEqualTo(leader);
        assertThat(ProcessMemory.commandLine(leader)).startsWith("dbt run --select slow").contains(id);

        as(token).when().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202);
        JsonPath job = JobApi.awaitEnd(token, id, Duration.ofSeconds(40));

        assertThat(job.getString("status")).isEqualTo("cancelled");
        assertThat(ProcessGroups.members(leader)).isEmpty();
        assertThat(JobApi.processesOf(id)).isEmpty();
        assertThat(awaitWarm()).as("the runtime outlives its child").isEqualTo(runtimePid);
    }

    @Test
    void aForkedJobsEnvironmentHoldsNoServiceSecret() throws Exception {
        long runtimePid = awaitWarm();
        String token = createUser(uniqueUsername("envprobe"));
        // Every variable of the service's own environment, and the secrets' names: the model lists those dbt can see.
        Set<String> names = new TreeSet<>(System.getenv().keySet());
        names.addAll(List.of("RUNNER_ADMIN_TOKEN", "RUNNER_TUTOR_API_KEY", "GROQ_API_KEY", "DATABASE_URL", "MOTHERDUCK_TOKEN",
                "QUARKUS_DATASOURCE_PASSWORD", "REDIS_URL"));
        names.addAll(DBT_ENVIRONMENT);
        String probe = "{{ config(materialized='table') }}\nselect '"
                + names.stream().filter(name -> name.matches("[A-Za-z_][A-Za-z0-9_]*"))
                        .map(name -> "{% if env_var('" + name + "', '-unset-') != '-unset-' %}" + name + " {% endif %}")
                        .collect(Collectors.joining())
                + "' as visible\n";
        JobApi.put(token, "models/env_probe.sql", probe);
        String id = JobApi.submit(token, Map.of("command", "run", "select", "env_probe"));
        assertThat(JobApi.awaitEnd(token, id, Duration.ofMinutes(2)).getString("status")).isEqualTo("succeeded");
        assertThat(JobApi.logText(token, id)).as("the child exits as dbt's own process does: its semaphores unlinked")
                .contains("Completed successfully").doesNotContain("resource_tracker");

        String visible = as(token).contentType(ContentType.JSON).body(Map.of("sql", "select visible from env_probe"))
                .when().post("/api/v1/queries").then().statusCode(200).extract().path("rows[0][0]");
        Set<String> seen = Set.of(visible.strip().split(" +"));
        assertThat(seen).as("what dbt saw of the environment").containsAll(List.of("PATH", "HOME", "DBT_PROFILES_DIR"))
                .isSubsetOf(DBT_ENVIRONMENT);
        assertThat(ProcessMemory.environmentNames(runtimePid)).isSubsetOf(DBT_ENVIRONMENT);

        String slow = JobApi.startSlowModel(token);
        long leader = JobApi.leaderOf(slow);
        assertThat(ProcessMemory.holds(leader, slow)).as("the scan finds the job's own id in its memory").isTrue();
        for (String secret : List.of(TUTOR_KEY, Api.ADMIN_TOKEN)) {
            assertThat(ProcessMemory.holds(leader, secret)).as("a forked job's memory holds %s", secret).isFalse();
            assertThat(ProcessMemory.holds(runtimePid, secret)).as("the runtime's memory holds %s", secret).isFalse();
        }
        as(token).when().post("/api/v1/jobs/" + slow + "/cancel").then().statusCode(202);
        JobApi.awaitEnd(token, slow, Duration.ofSeconds(40));
    }

    @Test
    void twoLearnersJobsShareNothingThatOneCouldReadOfTheOther() throws Exception {
        long runtimePid = awaitWarm();
        String marker = "PRIVATE_" + Long.toString(System.nanoTime(), 36).toUpperCase();
        String firstUser = uniqueUsername("first");
        String first = createUser(firstUser);
        String second = createUser(uniqueUsername("second"));
        JobApi.put(first, "models/slow.sql", Api.SLOW_DBT_MODEL.replace("count(*) as n", "count(*) as n, '" + marker + "' as note"));
        String firstJob = JobApi.submit(first, Map.of("command", "run", "select", "slow"));
        String secondJob = JobApi.startSlowModel(second);
        JobApi.awaitSlowModelRunning(first, firstJob);
        long firstLeader = JobApi.leaderOf(firstJob);
        long secondLeader = JobApi.leaderOf(secondJob);

        assertThat(ProcessMemory.holds(firstLeader, marker)).as("the scan finds the marker in its own job").isTrue();
        assertThat(ProcessMemory.holds(secondLeader, marker)).as("the other learner's job").isFalse();
        assertThat(ProcessMemory.holds(runtimePid, marker)).as("the runtime both were forked from").isFalse();
        assertThat(ProcessMemory.parentOf(firstLeader)).isEqualTo(runtimePid);
        assertThat(ProcessMemory.parentOf(secondLeader)).isEqualTo(runtimePid);
        assertThat(ProcessGroups.groupOf(secondLeader)).isNotEqualTo(ProcessGroups.groupOf(firstLeader));

        // On disk the other learner's files are out of reach: DuckDB's file access is off (Landlock stands behind it,
        // ProjectConfinementTest).
        String workspace = JobApi.userDir(firstUser).resolve("workspace/models/slow.sql").toString();
        JobApi.put(second, "models/peek.sql", "select * from read_text('" + workspace + "')\n");
        String peek = JobApi.submit(second, Map.of("command", "run", "select", "peek"));
        as(second).when().post("/api/v1/jobs/" + secondJob + "/cancel").then().statusCode(202);
        as(first).when().post("/api/v1/jobs/" + firstJob + "/cancel").then().statusCode(202);
        JsonPath peeked = JobApi.awaitEnd(second, peek, Duration.ofMinutes(2));
        assertThat(peeked.getString("status")).isEqualTo("failed");
        assertThat(JobApi.logText(second, peek)).doesNotContain(marker).containsIgnoringCase("permission");
    }

    @Test
    void theRuntimeIsStartedAgainWhenItDiesAndItsChildrenRunOn() throws Exception {
        long killed = awaitWarm();
        String orphaned = createUser(uniqueUsername("orphaned"));
        String running = JobApi.startSlowModel(orphaned);
        long leader = JobApi.leaderOf(running);
        assertThat(ProcessMemory.parentOf(leader)).isEqualTo(killed);

        ProcessHandle.of(killed).orElseThrow().destroyForcibly();
        long restarted = awaitReplaced(killed);
        assertThat(ProcessGroups.members(leader)).as("the job outlives the runtime it was forked from").isNotEmpty();
        as(orphaned).when().post("/api/v1/jobs/" + running + "/cancel").then().statusCode(202);
        JsonPath ended = JobApi.awaitEnd(orphaned, running, Duration.ofSeconds(40));
        assertThat(ended.getString("status")).isEqualTo("cancelled");
        assertThat(ended.getInt("exitCode")).as("dbt's exit code on SIGINT, written by the child itself").isEqualTo(2);

        String token = createUser(uniqueUsername("afterdeath"));
        String id = JobApi.startSlowModel(token);
        assertThat(ProcessMemory.parentOf(JobApi.leaderOf(id))).isEqualTo(restarted);
        as(token).when().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202);
        assertThat(JobApi.awaitEnd(token, id, Duration.ofSeconds(40)).getString("status")).isEqualTo("cancelled");
    }

    @Test
    void theRuntimeIsReplacedWhenTheInstalledPackagesChange() throws Exception {
        long before = awaitWarm();
        Path sitePackages = DbtEnvironment.sitePackages();
        Path probe = sitePackages.resolve("decode_pin_probe-0.0." + System.nanoTime() % 1000 + ".dist-info");
        String token = createUser(uniqueUsername("pins"));
        JobApi.put(token, "models/one.sql", "select 1 as one\n");
        try {
            Files.createDirectory(probe);
            Files.writeString(probe.resolve("METADATA"), "Metadata-Version: 2.1\nName: decode-pin-probe\nVersion: 0.0.1\n");
            String id = JobApi.submit(token, Map.of("command", "run", "select", "one"));
            assertThat(JobApi.awaitEnd(token, id, Duration.ofMinutes(2)).getString("status")).as("run as a plain process").isEqualTo("succeeded");
            long replaced = awaitReplaced(before);
            await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(before).map(process -> !process.isAlive()).orElse(true));
            assertThat(replaced).isNotEqualTo(before);
        } finally {
            Files.deleteIfExists(probe.resolve("METADATA"));
            Files.deleteIfExists(probe);
        }
        // The pins are back as they were, which is a change too: the next job replaces the runtime again.
        long afterProbe = awaitWarm();
        String id = JobApi.submit(token, Map.of("command", "run", "select", "one"));
        assertThat(JobApi.awaitEnd(token, id, Duration.ofMinutes(2)).getString("status")).isEqualTo("succeeded");
        awaitReplaced(afterProbe);
    }

    /** Waits for a ready runtime other than {@code old}; returns its pid. */
    private long awaitReplaced(long old) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            Matcher warm = RUNTIME_PID.matcher(runtime.state());
            return warm.matches() && Long.parseLong(warm.group(1)) != old;
        });
        return awaitWarm();
    }

    /** The runtime's pid once it is ready. */
    private long awaitWarm() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> RUNTIME_PID.matcher(runtime.state()).matches());
        Matcher warm = RUNTIME_PID.matcher(runtime.state());
        assertThat(warm.matches()).as(runtime.state()).isTrue();
        return Long.parseLong(warm.group(1));
    }
}
