package dev.decode.runner.jobs;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.decode.runner.support.DbtEnvironment;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/** The starter's dbt build through the API, its live log, and what a client can do with a finished job. */
@QuarkusTest
class JobsApiTest {

    private static String builtUser;
    private static String builtToken;
    private static String builtJob;
    private static List<JobApi.Event> liveEvents;

    @Inject
    JobSupervisor supervisor;

    /** One real build of the starter, shared by the tests that only read its results. */
    private synchronized void build() throws Exception {
        if (builtJob != null) {
            return;
        }
        builtUser = uniqueUsername("builder");
        builtToken = createUser(builtUser);
        as(builtToken).contentType(ContentType.JSON).body(Map.of("command", "build")).when().post("/api/v1/jobs")
                .then().statusCode(202)
                .header("Location", containsString("/api/v1/jobs/"))
                .body("command", equalTo("build"))
                .body("args", equalTo(List.of("build")));
        builtJob = JobApi.job(builtToken, as(builtToken).get("/api/v1/jobs").then().extract().path("items[0].id")).getString("id");
        List<CompletableFuture<List<JobApi.Event>>> watchers = java.util.stream.IntStream.range(0, 3)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> sse(builtJob))).toList();
        liveEvents = watchers.get(0).join();
        watchers.forEach(watcher -> assertThat(watcher.join()).as("every live client gets the same stream").isEqualTo(liveEvents));
    }

    private static List<JobApi.Event> sse(String id) {
        try {
            return JobApi.sse(builtToken, id, "", Map.of());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theStarterBuildsAndStreamsItsLogLive_modelsQueryable() throws Exception {
        build();
        JobApi.Event end = liveEvents.get(liveEvents.size() - 1);
        assertThat(end.name()).isEqualTo("end");
        JsonPath job = JsonPath.from(end.data());
        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getInt("exitCode")).isZero();
        assertThat(job.getInt("progress.total")).isEqualTo(20);
        assertThat(job.getInt("progress.completed")).isEqualTo(20);
        assertThat(job.getList("nodes.uniqueId")).contains("model.starter.customer_orders", "seed.starter.order_statuses");
        assertThat(job.getList("nodes.status")).containsOnly("success", "pass");
        assertThat(liveEvents).anySatisfy(event -> assertThat(event.name()).isEqualTo("progress"));

        // What dbt built is the learner's to query.
        as(builtToken).contentType(ContentType.JSON)
                .body(Map.of("sql", "select count(*), sum(order_count) from customer_orders"))
                .when().post("/api/v1/queries")
                .then().statusCode(200)
                .body("rows[0][0]", org.hamcrest.Matchers.is(5000))
                .body("rows[0][1]", org.hamcrest.Matchers.is(100000));
    }

    @Test
    void replayAndResumeGiveEveryLineOnceInOrder() throws Exception {
        build();
        List<Long> live = logSeqs(liveEvents);
        assertThat(live).isNotEmpty();
        assertThat(live).isEqualTo(java.util.stream.LongStream.rangeClosed(1, live.size()).boxed().toList());

        List<JobApi.Event> replay = JobApi.sse(builtToken, builtJob, "", Map.of());
        assertThat(replay.stream().map(JobApi.Event::data).toList()).isEqualTo(liveEvents.stream().map(JobApi.Event::data).toList());

        long middle = live.size() / 2;
        List<Long> rest = java.util.stream.LongStream.rangeClosed(middle + 1, live.size()).boxed().toList();
        assertThat(logSeqs(JobApi.sse(builtToken, builtJob, "", Map.of("Last-Event-ID", Long.toString(middle))))).isEqualTo(rest);
        assertThat(logSeqs(JobApi.sse(builtToken, builtJob, "?after=" + middle, Map.of()))).isEqualTo(rest);

        as(builtToken).accept("text/plain").when().get("/api/v1/jobs/" + builtJob + "/logs")
                .then().statusCode(200).contentType(containsString("text/plain"))
                .body(containsString("Completed successfully"));
    }

    @Test
    void artifactsOfTheJobAreServed() throws Exception {
        build();
        as(builtToken).when().get("/api/v1/jobs/" + builtJob + "/artifacts/manifest.json")
                .then().statusCode(200).contentType(ContentType.JSON).body("metadata.dbt_version", equalTo("1.11.16"));
        as(builtToken).when().get("/api/v1/jobs/" + builtJob + "/artifacts/run_results.json")
                .then().statusCode(200).body("results.size()", equalTo(20));
        String manifest = as(builtToken).when().get("/api/v1/jobs/" + builtJob + "/artifacts/manifest.json").asString();
        assertThat(manifest).as("no server path").doesNotContain(dataDir(), DbtEnvironment.dbt().getParent().getParent().toString())
                .contains("\"root_path\": \".\"");
        as(builtToken).when().get("/api/v1/jobs/" + builtJob + "/artifacts/graph.gpickle")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void anotherUsersJobAnswersNotFound() throws Exception {
        build();
        String stranger = createUser(uniqueUsername("stranger"));
        for (String path : List.of("", "/logs", "/artifacts/manifest.json")) {
            as(stranger).when().get("/api/v1/jobs/" + builtJob + path).then().statusCode(404).body("type", equalTo("/problems/not-found"));
        }
        as(stranger).when().post("/api/v1/jobs/" + builtJob + "/cancel").then().statusCode(404);
        as(stranger).when().get("/api/v1/jobs").then().statusCode(200).body("items.size()", equalTo(0));
    }

    @Test
    void aFinishedJobCannotBeCancelledAndLeavesMemoryButNotTheRecord() throws Exception {
        build();
        as(builtToken).when().post("/api/v1/jobs/" + builtJob + "/cancel").then().statusCode(409).body("type", equalTo("/problems/job-finished"));

        assertThat(supervisor.dropFinished(Instant.now())).isZero();
        assertThat(supervisor.dropFinished(Instant.now().plus(Duration.ofMinutes(6)))).isPositive();

        JsonPath stored = JobApi.job(builtToken, builtJob);
        assertThat(stored.getString("status")).isEqualTo("succeeded");
        assertThat(stored.getInt("progress.completed")).isEqualTo(20);
        assertThat(stored.getList("nodes")).hasSize(20);
        assertThat(JobApi.sse(builtToken, builtJob, "", Map.of())).last().satisfies(event -> assertThat(event.name()).isEqualTo("end"));
        as(builtToken).queryParam("status", "succeeded").when().get("/api/v1/jobs").then().statusCode(200).body("items[0].id", equalTo(builtJob));
    }

    @Test
    void aFailingModelEndsFailedWithTheNodesErrorAndTheNextJobReusesTheParse() {
        String token = createUser(uniqueUsername("failer"));
        JobApi.put(token, "models/broken.sql", "select * from learn.main.no_such_table\n");

        String id = JobApi.submit(token, Map.of("command", "run", "select", "broken"));
        JsonPath job = JobApi.awaitEnd(token, id, Duration.ofMinutes(2));

        assertThat(job.getString("status")).isEqualTo("failed");
        assertThat(job.getInt("exitCode")).isEqualTo(1);
        assertThat(job.getString("nodes.find { it.uniqueId == 'model.starter.broken' }.status")).isEqualTo("error");
        assertThat(job.getString("nodes.find { it.uniqueId == 'model.starter.broken' }.message")).contains("no_such_table");
        String log = as(token).accept("text/plain").when().get("/api/v1/jobs/" + id + "/logs").asString();
        assertThat(log).contains("compiled code at target/compiled/starter/models/broken.sql").doesNotContain(dataDir());

        String next = JobApi.submit(token, Map.of("command", "parse"));
        assertThat(JobApi.awaitEnd(token, next, Duration.ofMinutes(2)).getString("status")).isEqualTo("succeeded");
        as(token).accept("text/plain").when().get("/api/v1/jobs/" + next + "/logs").then().statusCode(200)
                .body(org.hamcrest.Matchers.not(containsString("Unable to do partial parsing")));
    }

    @Test
    void olderJobDirectoriesArePrunedWhenAJobEndsAndTheirRecordsStay() throws Exception {
        String username = uniqueUsername("pruned");
        String token = createUser(username);
        String first = JobApi.submit(token, Map.of("command", "parse"));
        JobApi.awaitEnd(token, first, Duration.ofMinutes(2));
        Path jobs = JobApi.userDir(username).resolve("jobs");
        age(jobs.resolve(first), Duration.ofHours(2));
        for (int i = 0; i < 20; i++) {
            Path older = Files.createDirectories(jobs.resolve("older-" + i));
            Files.writeString(older.resolve("log.jsonl"), "{}\n");
            age(older, Duration.ofHours(1).minusMinutes(i));
        }

        String next = JobApi.submit(token, Map.of("command", "parse"));
        assertThat(JobApi.awaitEnd(token, next, Duration.ofMinutes(2)).getString("status")).isEqualTo("succeeded");

        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(jobs.resolve(first)));
        try (Stream<Path> dirs = Files.list(jobs)) {
            assertThat(dirs.filter(Files::isDirectory).map(dir -> dir.getFileName().toString()).toList())
                    .hasSize(20).contains(next).doesNotContain("older-0");
        }
        assertThat(JobApi.job(token, first).getString("status")).isEqualTo("succeeded");
        as(token).when().get("/api/v1/jobs/" + first + "/artifacts/manifest.json").then().statusCode(404);
        as(token).accept("text/plain").when().get("/api/v1/jobs/" + first + "/logs").then().statusCode(200).body(equalTo(""));
    }

    /** Where the test service keeps its files; no learner should see it. */
    private static String dataDir() {
        return Path.of("target/test-data").toAbsolutePath().toString();
    }

    private static void age(Path dir, Duration age) throws IOException {
        FileTime then = FileTime.from(Instant.now().minus(age));
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path path : all.toList()) {
                Files.setLastModifiedTime(path, then);
            }
        }
    }

    @Test
    void readinessCoversTheDbtExecutable() {
        io.restassured.RestAssured.given().when().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'dbt executable' }.status", equalTo("UP"));
    }

    @Test
    void requestsOutsideTheContractAreRefused() {
        String token = createUser(uniqueUsername("badreq"));
        for (Map<String, Object> body : List.<Map<String, Object>>of(Map.of("command", "run-operation"), Map.of("command", "build", "select", "--profiles-dir /"),
                Map.of("command", "build", "select", "a; rm -rf /"), Map.of("command", "build", "exclude", "x $(id)"),
                Map.of("command", "debug", "select", "x"), Map.of("command", "test", "fullRefresh", true), Map.of())) {
            as(token).contentType(ContentType.JSON).body(body).when().post("/api/v1/jobs")
                    .then().statusCode(400).body("type", equalTo("/problems/invalid-request"));
        }
        as(token).when().get("/api/v1/jobs?status=bogus").then().statusCode(400);
        as(token).when().get("/api/v1/jobs/no-such-job").then().statusCode(404);
    }

    @Test
    void refusalsNameTheField() {
        String token = createUser(uniqueUsername("named"));
        Map<String, String> bodies = Map.of(
                "{\"command\": \"run-operation\"}", "'command'",
                "{}", "'command'",
                "null", "'command'",
                "{\"command\": \"build\", \"select\": \"a -b\"}", "'select'",
                "{\"command\": \"build\", \"exclude\": \"x $(id)\"}", "'exclude'",
                "{\"command\": \"debug\", \"select\": \"x\"}", "'select'",
                "{\"command\": \"test\", \"fullRefresh\": true}", "'fullRefresh'");
        bodies.forEach((body, field) -> as(token).contentType(ContentType.JSON).body(body).when().post("/api/v1/jobs")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("/problems/invalid-request"))
                .body("title", equalTo("Invalid request"))
                .body("detail", containsString(field)));
    }

    private static List<Long> logSeqs(List<JobApi.Event> events) {
        return events.stream().filter(event -> "log".equals(event.name())).map(event -> Long.parseLong(event.id())).toList();
    }
}
