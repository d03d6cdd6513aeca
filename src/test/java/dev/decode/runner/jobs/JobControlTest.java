package dev.decode.runner.jobs;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.asAdmin;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.startSlowJob;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.decode.runner.support.Api;
import dev.decode.runner.warehouse.DatabaseLocks;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Stopping jobs: cancel, queue limits, fairness under load, user deletion and restart recovery. */
@QuarkusTest
class JobControlTest {

    private static final Duration GRACE = Duration.ofSeconds(10);

    @Inject
    JobSupervisor supervisor;

    @Inject
    MeterRegistry registry;

    @Inject
    Pool pool;

    @Inject
    DatabaseLocks locks;

    @Test
    void cancelStopsASlowModelWithinTheGraceAndLeavesNoProcess() throws Exception {
        String token = createUser(uniqueUsername("canceller"));
        String id = JobApi.startSlowModel(token);
        assertThat(JobApi.processesOf(id)).isNotEmpty();

        Instant cancelled = Instant.now();
        as(token).when().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202).body("id", equalTo(id));
        JsonPath job = JobApi.awaitEnd(token, id, GRACE.plusSeconds(20));

        assertThat(job.getString("status")).isEqualTo("cancelled");
        assertThat(Duration.between(cancelled, Instant.parse(job.getString("finishedAt")))).as("ended by SIGINT, before SIGKILL").isLessThan(GRACE);
        assertThat(JobApi.processesOf(id)).isEmpty();
        as(token).when().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(409).body("type", equalTo("/problems/job-finished"));
    }

    @Test
    void aCancelThatLandsWhileDbtStillCompilesEndsTheJobBeforeTheGrace() throws Exception {
        String token = createUser(uniqueUsername("early"));
        String id = startSlowJob(token);
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20)).until(() -> "started".equals(
                JobApi.job(token, id).getString("nodes.find { it.uniqueId == 'model.starter.slow' }.status")));

        Instant cancelled = Instant.now();
        as(token).when().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202);
        JsonPath job = JobApi.awaitEnd(token, id, GRACE.plusSeconds(20));

        assertThat(job.getString("status")).isEqualTo("cancelled");
        assertThat(Duration.between(cancelled, Instant.parse(job.getString("finishedAt"))))
                .as("ended by the second SIGINT, before SIGKILL").isLessThan(GRACE);
        assertThat(JobApi.processesOf(id)).isEmpty();
    }

    @Test
    void aRunningJobsNodesAndProgressAreRecordedAsTheyChange() throws Exception {
        String token = createUser(uniqueUsername("recorded"));
        String id = JobApi.startSlowModel(token);
        try {
            io.vertx.mutiny.sqlclient.Row row = pool.preparedQuery("select status, nodes::text as nodes, progress_total from jobs where id = $1")
                    .execute(Tuple.of(id)).await().atMost(Duration.ofSeconds(5)).iterator().next();
            assertThat(row.getString("status")).isEqualTo("running");
            assertThat(row.getString("nodes")).contains("model.starter.slow", "started");
            assertThat(row.getInteger("progress_total")).isEqualTo(1);
        } finally {
            as(token).when().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202);
        }
        JobApi.awaitEnd(token, id, GRACE.plusSeconds(20));
    }

    @Test
    void aQuietLogStreamGetsHeartbeatsAndStillEndsWithItsJob() throws Exception {
        String token = createUser(uniqueUsername("quiet"));
        String id = JobApi.startSlowModel(token);
        Iterator<String> lines = JobApi.sseLines(token, id);
        try {
            // The replay comes first; then the slow model prints nothing, and only heartbeats (1 s in tests) arrive.
            String heartbeat = CompletableFuture.supplyAsync(() -> {
                while (lines.hasNext()) {
                    String line = lines.next();
                    if (line.startsWith(":")) {
                        return line;
                    }
                }
                return "the stream ended";
            }).get(30, TimeUnit.SECONDS);
            assertThat(heartbeat).isEqualTo(":keep-alive");
        } finally {
            as(token).when().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202);
        }
        List<String> rest = CompletableFuture.supplyAsync(() -> {
            List<String> remaining = new ArrayList<>();
            lines.forEachRemaining(remaining::add);
            return remaining;
        }).get(60, TimeUnit.SECONDS);
        assertThat(rest).as("the stream closes after its end event").contains("event:end");
        assertThat(rest.get(rest.lastIndexOf("event:end") + 1)).contains("\"status\":\"cancelled\"");
    }

    @Test
    void aJobWaitingForItsDatabaseCancelsWithoutWaitingAndReleasesNothingItDidNotTake() throws Exception {
        String username = uniqueUsername("waiter");
        String token = createUser(username);
        try (DatabaseLocks.Lease query = locks.read(username, Duration.ofSeconds(1)).orElseThrow()) {
            String id = JobApi.submit(token, Map.of("command", "parse"));
            await().atMost(Duration.ofSeconds(10)).until(() -> "running".equals(JobApi.job(token, id).getString("status")));

            as(token).when().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202);

            assertThat(JobApi.awaitEnd(token, id, Duration.ofSeconds(5)).getString("status")).isEqualTo("cancelled");
            assertThat(locks.readNow(username)).as("no job holds the database").hasValueSatisfying(DatabaseLocks.Lease::close);
        }
        assertThat(locks.write(username, Duration.ofSeconds(1))).hasValueSatisfying(DatabaseLocks.Lease::close);
    }

    @Test
    void aFourthQueuedJobOfOneUserIsRefusedLeavingNothingAndQueuedJobsCancelAtOnce() throws IOException {
        String username = uniqueUsername("queuer");
        String token = createUser(username);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(JobApi.submit(token, Map.of("command", "parse")));
        }
        as(token).contentType(ContentType.JSON).body(Map.of("command", "parse")).when().post("/api/v1/jobs")
                .then().statusCode(429).body("type", equalTo("/problems/job-queue-full"));
        try (java.util.stream.Stream<java.nio.file.Path> dirs = Files.list(JobApi.userDir(username).resolve("jobs"))) {
            assertThat(dirs.filter(Files::isDirectory).map(dir -> dir.getFileName().toString())).as("the refused job left no directory")
                    .containsExactlyInAnyOrderElementsOf(ids);
        }

        JsonPath last = JobApi.job(token, ids.get(2));
        assertThat(last.getString("status")).isEqualTo("queued");
        assertThat(last.getInt("queuePosition")).isPositive();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(JobApi.job(token, ids.get(2)).getString("waitingFor"))
                .as("the learner's first job holds their database").isEqualTo("database"));
        as(token).when().post("/api/v1/jobs/" + ids.get(2) + "/cancel").then().statusCode(202).body("status", equalTo("cancelled"));
        ids.forEach(id -> as(token).post("/api/v1/jobs/" + id + "/cancel"));
        ids.forEach(id -> assertThat(JobApi.awaitEnd(token, id, Duration.ofMinutes(1)).getString("status")).isIn("cancelled", "succeeded"));
    }

    @Test
    void aFourthLearnersJobWaitsForASlotWhileThreeRunAndDuckDbGetsItsWholeLimit() throws Exception {
        List<String> tokens = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            tokens.add(createUser(uniqueUsername("slot")));
            ids.add(startSlowJob(tokens.get(i)));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> java.util.stream.IntStream.range(0, 3)
                .allMatch(i -> "running".equals(JobApi.job(tokens.get(i), ids.get(i)).getString("status"))));
        String fourth = createUser(uniqueUsername("slot"));
        String probe = JobApi.submitMemoryProbe(fourth);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(JobApi.job(fourth, probe).getString("waitingFor")).isEqualTo("slot"));
        assertThat(JobApi.job(fourth, probe).getInt("queuePosition")).isEqualTo(1);

        for (int i = 0; i < 3; i++) {
            as(tokens.get(i)).when().post("/api/v1/jobs/" + ids.get(i) + "/cancel").then().statusCode(202);
        }
        assertThat(JobApi.awaitEnd(fourth, probe, Duration.ofMinutes(3)).getString("status")).isEqualTo("succeeded");
        assertThat(JobApi.probedMemoryLimit(fourth)).as("ample headroom: the configured limit").isEqualTo("128.0 MiB");
        for (int i = 0; i < 3; i++) {
            assertThat(JobApi.awaitEnd(tokens.get(i), ids.get(i), GRACE.plusSeconds(20)).getString("status")).isEqualTo("cancelled");
        }
    }

    @Test
    void aLearnerWhoseLastJobPeakedAboveTheHeadroomWaitsForMemoryAndTheNextPeakIsLearned() throws Exception {
        String username = uniqueUsername("heavy");
        String token = createUser(username);
        pool.preparedQuery("insert into jobs (id, username, command, args, status, created_at, finished_at, peak_memory_bytes) "
                        + "values ($1, $2, 'parse', '[\"parse\"]', 'succeeded', now(), now(), $3)")
                .execute(Tuple.of("peak-" + username, username, 1L << 50)).await().atMost(Duration.ofSeconds(5));
        String other = createUser(uniqueUsername("light"));
        String running = startSlowJob(other);

        String heavy = JobApi.submit(token, Map.of("command", "parse"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(JobApi.job(token, heavy).getString("waitingFor"))
                .as("its recorded peak passes the 64G budget of the tests").isEqualTo("memory"));

        as(other).when().post("/api/v1/jobs/" + running + "/cancel").then().statusCode(202);
        assertThat(JobApi.awaitEnd(token, heavy, Duration.ofMinutes(3)).getString("status")).isEqualTo("succeeded");
        long learned = pool.preparedQuery("select peak_memory_bytes from jobs where id = $1").execute(Tuple.of(heavy))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
        assertThat(learned).as("the real peak of dbt parse").isBetween(10L << 20, 1L << 32);

        JobApi.awaitEnd(other, running, GRACE.plusSeconds(20));

        String again = startSlowJob(other);
        String next = JobApi.submit(token, Map.of("command", "parse"));
        assertThat(JobApi.awaitEnd(token, next, Duration.ofMinutes(3)).getString("status")).isEqualTo("succeeded");
        assertThat(JobApi.job(other, again).getString("status")).as("the parse fitted beside it").isEqualTo("running");
        as(other).when().post("/api/v1/jobs/" + again + "/cancel").then().statusCode(202);
        JobApi.awaitEnd(other, again, GRACE.plusSeconds(20));
    }

    @Test
    void sixUsersAtOnceNeverRunMoreThanThreeAndAllFinish() throws Exception {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            tokens.add(createUser(uniqueUsername("crowd")));
        }
        AtomicInteger mostRunning = new AtomicInteger();
        CompletableFuture<Void> watching = CompletableFuture.runAsync(() -> {
            long until = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (System.nanoTime() < until && !Thread.currentThread().isInterrupted()) {
                mostRunning.accumulateAndGet((int) registry.get("runner.jobs.running").gauge().value(), Math::max);
                Thread.onSpinWait();
            }
        });
        List<CompletableFuture<String>> submissions = tokens.stream()
                .map(token -> CompletableFuture.supplyAsync(() -> JobApi.submit(token, Map.of("command", "parse")))).toList();
        List<String> ids = submissions.stream().map(CompletableFuture::join).toList();

        for (int i = 0; i < 6; i++) {
            assertThat(JobApi.awaitEnd(tokens.get(i), ids.get(i), Duration.ofMinutes(3)).getString("status")).isEqualTo("succeeded");
        }
        watching.cancel(true);
        assertThat(mostRunning.get()).isBetween(1, 3);
    }

    @Test
    void deletingAUserCancelsTheirJobsFirst() throws Exception {
        String username = uniqueUsername("leaver");
        String token = createUser(username);
        String id = startSlowJob(token);
        await().atMost(Duration.ofMinutes(2)).until(() -> !JobApi.processesOf(id).isEmpty());

        asAdmin().when().delete("/api/v1/users/" + username).then().statusCode(204);

        assertThat(JobApi.processesOf(id)).isEmpty();
        assertThat(Files.exists(JobApi.userDir(username))).isFalse();
        as(token).when().get("/api/v1/jobs/" + id).then().statusCode(401);
    }

    @Test
    void restartRecoveryMarksLeftoverJobsInterruptedKeepsTheirProgressAndKillsTheirProcesses() throws Exception {
        String username = uniqueUsername("survivor");
        createUser(username);
        String running = "recovery-" + Api.uniqueUsername("r");
        String queued = "recovery-" + Api.uniqueUsername("q");
        Process orphan = new ProcessBuilder("/usr/bin/setsid", "/bin/sh", "-c", "sleep 300", running).start();
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessGroups.groupOf(orphan.pid()) == orphan.pid());
        insert(running, username, "running", orphan.pid());
        insert(queued, username, "queued", null);

        assertThat(supervisor.recover().await().atMost(Duration.ofSeconds(30))).isGreaterThanOrEqualTo(2);

        await().atMost(Duration.ofSeconds(10)).until(() -> !orphan.isAlive());
        assertThat(ProcessGroups.members(orphan.pid())).isEmpty();
        assertThat(status(running)).isEqualTo("interrupted");
        assertThat(status(queued)).isEqualTo("interrupted");
        io.vertx.mutiny.sqlclient.Row kept = pool.preparedQuery("select progress_completed, nodes::text as nodes from jobs where id = $1")
                .execute(Tuple.of(running)).await().atMost(Duration.ofSeconds(5)).iterator().next();
        assertThat(kept.getInteger("progress_completed")).as("recorded progress stays").isEqualTo(1);
        assertThat(kept.getString("nodes")).contains("model.starter.kept");
    }


    private void insert(String id, String username, String status, Long pgid) {
        pool.preparedQuery("insert into jobs (id, username, command, args, status, created_at, pgid, progress_completed, progress_total, nodes) "
                        + "values ($1, $2, 'build', '[\"build\"]', $3, now(), $4, 1, 2, "
                        + "'[{\"uniqueId\":\"model.starter.kept\",\"resourceType\":\"model\",\"status\":\"success\"}]')")
                .execute(Tuple.of(id, username, status, pgid)).await().atMost(Duration.ofSeconds(5));
    }

    private String status(String id) {
        return pool.preparedQuery("select status from jobs where id = $1").execute(Tuple.of(id))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getString("status");
    }
}
