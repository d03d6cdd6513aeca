package dev.decode.runner.jobs;

import static dev.decode.runner.support.Api.as;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/** Test helpers for jobs: submit, wait, read the SSE stream as a client would. */
final class JobApi {

    record Event(String id, String name, String data) {
    }

    /** A model that keeps, as a table, the memory limit DuckDB ran it with. */
    static final String MEMORY_PROBE = "{{ config(materialized='table') }}\nselect current_setting('memory_limit') as memory_limit\n";

    private JobApi() {
    }

    static String submit(String token, Map<String, Object> body) {
        return as(token).contentType(ContentType.JSON).body(body).when().post("/api/v1/jobs")
                .then().statusCode(202).extract().path("id");
    }

    static JsonPath job(String token, String id) {
        return as(token).when().get("/api/v1/jobs/" + id).then().statusCode(200).extract().jsonPath();
    }

    static JsonPath awaitEnd(String token, String id, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(200))
                .until(() -> !List.of("queued", "running").contains(job(token, id).getString("status")));
        return job(token, id);
    }

    /**
     * Submits the slow model and returns once DuckDB is executing it: dbt reports the node started while it still
     * compiles the model, and an interrupt that comes before DuckDB starts the query does not stop the query.
     */
    static String startSlowModel(String token) throws IOException {
        String id = dev.decode.runner.support.Api.startSlowJob(token);
        awaitSlowModelRunning(token, id);
        return id;
    }

    /** Returns once DuckDB executes the job's slow model (its processes use CPU). */
    static void awaitSlowModelRunning(String token, String id) throws IOException {
        await().atMost(Duration.ofMinutes(2)).until(() -> "started".equals(
                job(token, id).getString("nodes.find { it.uniqueId == 'model.starter.slow' }.status")));
        long atStart = cpuMillis(id);
        await().atMost(Duration.ofMinutes(1)).until(() -> cpuMillis(id) - atStart >= 1_000);
    }

    /** The log lines of a finished job, as its stream replays them. */
    static String logText(String token, String id) throws IOException, InterruptedException {
        return sse(token, id, "", Map.of()).stream().filter(event -> "log".equals(event.name())).map(Event::data)
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    /** Puts {@link #MEMORY_PROBE} into the learner's workspace and submits {@code dbt run} of it; returns the job id. */
    static String submitMemoryProbe(String token) {
        put(token, "models/memory_probe.sql", MEMORY_PROBE);
        return submit(token, Map.of("command", "run", "select", "memory_probe"));
    }

    /** What the memory probe's table holds, as DuckDB shows a size ("64.0 MiB"). */
    static String probedMemoryLimit(String token) {
        return as(token).contentType(ContentType.JSON).body(Map.of("sql", "select memory_limit from memory_probe"))
                .when().post("/api/v1/queries").then().statusCode(200).extract().path("rows[0][0]");
    }

    static void put(String token, String path, String content) {
        as(token).contentType(ContentType.TEXT).body(content).when().put("/api/v1/workspace/files/" + path)
                .then().statusCode(org.hamcrest.Matchers.anyOf(org.hamcrest.Matchers.is(200), org.hamcrest.Matchers.is(201)));
    }

    /** Reads the stream until it closes (after the end event). */
    static List<Event> sse(String token, String id, String query, Map<String, String> headers) throws IOException, InterruptedException {
        List<Event> events = new ArrayList<>();
        String[] current = new String[3];
        lines(token, id, query, headers).forEach(line -> {
            if (line.isEmpty()) {
                if (current[1] != null || current[2] != null) {
                    events.add(new Event(current[0], current[1], current[2]));
                }
                current[0] = current[1] = current[2] = null;
            } else if (line.startsWith("id:")) {
                current[0] = line.substring(3).trim();
            } else if (line.startsWith("event:")) {
                current[1] = line.substring(6).trim();
            } else if (line.startsWith("data:")) {
                current[2] = (current[2] == null ? "" : current[2] + "\n") + line.substring(5).trim();
            }
        });
        return events;
    }

    /** The stream's raw lines as they arrive, comments included. */
    static Iterator<String> sseLines(String token, String id) throws IOException, InterruptedException {
        return lines(token, id, "", Map.of()).iterator();
    }

    private static Stream<String> lines(String token, String id, String query, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/api/v1/jobs/" + id + "/logs" + query))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").timeout(Duration.ofMinutes(3));
        headers.forEach(request::header);
        HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
            throw new AssertionError("logs answered " + response.statusCode());
        }
        return response.body();
    }

    /** Live processes whose command line names the job (its target path holds the job id). */
    static List<Long> processesOf(String jobId) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            entries.filter(path -> path.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(path -> {
                try {
                    String cmdline = new String(Files.readAllBytes(path.resolve("cmdline")));
                    String stat = Files.readString(path.resolve("stat"));
                    boolean zombie = stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
                    if (cmdline.contains(jobId) && !zombie) {
                        pids.add(Long.parseLong(path.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException e) {
                    // the process ended while we looked
                }
            });
        }
        return pids;
    }

    /** The job's dbt process: the one of its processes that leads their group. */
    static long leaderOf(String jobId) throws IOException {
        return processesOf(jobId).stream().filter(pid -> ProcessGroups.groupOf(pid) == pid).findFirst()
                .orElseThrow(() -> new AssertionError("no process leads the job's group"));
    }

    /** CPU time the job's live processes have used so far (user + system, from /proc/<pid>/stat). */
    static long cpuMillis(String jobId) throws IOException {
        long ticks = 0;
        for (long pid : processesOf(jobId)) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            } catch (IOException e) {
                // the process ended while we looked
            }
        }
        return ticks * 10; // USER_HZ is 100 on Linux
    }

    static Path userDir(String username) {
        return Path.of("target/test-data/users", username).toAbsolutePath();
    }
}
