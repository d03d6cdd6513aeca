package dev.decode.runner.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.decode.runner.limits.OwnRedis;
import dev.decode.runner.support.Api;
import dev.decode.runner.support.PackagedApp;
import dev.decode.runner.tutor.FakeUpstream;
import dev.decode.runner.workspace.Archives;

/**
 * Every capability once through the packaged artifact (the native executable in CI): each reflection, resource and
 * JNI registration the executable needs is used here — JSON in and out, DuckDB through JNI, the workspace templates
 * and archives, a dbt child process and its SSE log, a docs page served from a file, the tutor's REST client, the
 * Redis client, health, metrics and OpenAPI.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackagedServiceIT {

    private static final String ADMIN = "packaged-admin-token";
    private static final Pattern TOKEN = Pattern.compile("\"token\":\"([^\"]+)\"");
    private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\"");
    private static final Pattern FIELD = Pattern.compile("^(\\w+): ?(.*)$");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int REDIS_PORT = 6391;

    private static Path dataDir;
    private static OwnRedis redis;
    private static FakeUpstream tutor;
    private static PackagedApp app;

    @BeforeAll
    static void start() throws IOException {
        dataDir = Files.createTempDirectory("packaged-it");
        redis = new OwnRedis(REDIS_PORT).start();
        tutor = new FakeUpstream();
        Map<String, String> upstream = tutor.start();
        app = PackagedApp.start(dataDir, Map.of(
                "RUNNER_DATA_DIR", dataDir.toString(),
                "RUNNER_ADMIN_TOKEN", ADMIN,
                "REDIS_URL", redis.url(),
                "RUNNER_WAREHOUSE_QUERY_TIMEOUT", "3s",
                "RUNNER_TUTOR_BASE_URL", upstream.get("runner.tutor.base-url"),
                "GROQ_API_KEY", upstream.get("runner.tutor.api-key")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        if (tutor != null) {
            tutor.stop();
        }
        if (redis != null) {
            redis.stop();
        }
    }

    @Test
    @Order(1)
    void duckDbLoadsWithTheFirstQueryNotAtStartUp() throws Exception {
        Path maps = Path.of("/proc", Long.toString(app.pid()), "maps");
        HttpResponse<String> ready = app.get("/q/health/ready", null);
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(ready.body()).contains("\"learnCatalog\": \"created on first use\"");
        assertThat(Files.readString(maps)).doesNotContain("libduckdb_java");

        String token = createUser(Api.uniqueUsername("packaged_first"));
        HttpResponse<String> first = app.postJson("/api/v1/queries", "{\"sql\":\"select count(*) from learn.orders\"}", token);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.body()).contains("[[100000]]");
        assertThat(Files.readString(maps)).contains("libduckdb_java");
        assertThat(app.get("/q/health/ready", null).body()).contains("\"learnCatalog\": \"ready\"");
    }

    @Test
    void healthMetricsAndOpenApiAnswer() throws Exception {
        HttpResponse<String> ready = app.get("/q/health/ready", null);
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(ready.body()).contains("\"status\": \"UP\"").contains("PostgreSQL").containsIgnoringCase("redis");
        assertThat(app.get("/q/health/live", null).statusCode()).isEqualTo(200);

        HttpResponse<String> metrics = app.get("/q/metrics", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("http_server_requests_seconds_count").contains("jvm_");

        HttpResponse<String> openapi = app.get("/q/openapi", null);
        assertThat(openapi.statusCode()).isEqualTo(200);
        assertThat(openapi.body()).contains("/api/v1/queries").contains("/api/v1/jobs");
    }

    @Test
    void learnersGetTokensThatRotate() throws Exception {
        String username = Api.uniqueUsername("packaged");
        String first = createUser(username);
        HttpResponse<String> me = app.get("/api/v1/me", first);
        assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
        assertThat(me.body()).contains("\"username\":\"" + username + "\"").contains("\"requestsPerMinute\":100");

        HttpResponse<String> rotated = app.postJson("/api/v1/users/" + username + "/token", "", ADMIN);
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        String second = token(rotated.body());
        assertThat(second).startsWith("drt_").isNotEqualTo(first);
        assertThat(app.get("/api/v1/me", first).statusCode()).isEqualTo(401);
        assertThat(app.get("/api/v1/me", second).statusCode()).isEqualTo(200);
    }

    @Test
    void warehouseQueriesRunOnDuckDbAndEscapesAreRefused() throws Exception {
        String token = createUser(Api.uniqueUsername("packaged_sql"));
        HttpResponse<String> result = app.postJson("/api/v1/queries",
                "{\"sql\":\"select count(*) as n, 'caf\u00e9' as word from learn.customers\"}", token);
        assertThat(result.statusCode()).as(result.body()).isEqualTo(200);
        assertThat(result.body()).contains("\"columns\":[{\"name\":\"n\"").contains("caf\u00e9").contains("\"rowCount\":1");

        HttpResponse<String> file = app.postJson("/api/v1/queries", "{\"sql\":\"select * from read_csv('/etc/passwd')\"}", token);
        assertThat(file.statusCode()).as(file.body()).isEqualTo(403);
        assertThat(file.body()).contains("/problems/sql-not-allowed");
        assertThat(file.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));

        // Bean Validation through the executable: the constraint on the request record answers, not a reflection error.
        HttpResponse<String> invalid = app.postJson("/api/v1/queries", "{\"sql\":\"select 1\",\"maxRows\":0}", token);
        assertThat(invalid.statusCode()).as(invalid.body()).isEqualTo(400);
        assertThat(invalid.body()).contains("/problems/invalid-request").contains("maxRows");

        HttpResponse<String> wrong = app.postJson("/api/v1/queries", "{\"sql\":\"select no_such_column from learn.customers\"}", token);
        assertThat(wrong.statusCode()).as(wrong.body()).isEqualTo(400);
        assertThat(wrong.body()).contains("/problems/sql-error");

        HttpResponse<String> slow = app.postJson("/api/v1/queries",
                "{\"sql\":\"select count(*) from range(100000000000) a where a.range % 7 = 3\"}", token);
        assertThat(slow.statusCode()).as(slow.body()).isEqualTo(504);
        assertThat(slow.body()).contains("/problems/query-timeout");

        HttpResponse<String> history = app.get("/api/v1/queries?limit=5", token);
        assertThat(history.statusCode()).isEqualTo(200);
        assertThat(history.body()).contains("learn.customers");
    }

    @Test
    void aDbtBuildStreamsItsLogAndLeavesArtifacts_aDocsJobItsPage() throws Exception {
        String token = createUser(Api.uniqueUsername("packaged_dbt"));
        HttpResponse<String> reset = app.postJson("/api/v1/workspace/reset", "{\"template\":\"starter\"}", token);
        assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
        assertThat(reset.body()).contains("dbt_project.yml");

        HttpResponse<String> submitted = app.postJson("/api/v1/jobs", "{\"command\":\"build\"}", token);
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        String id = id(submitted.body());

        List<String> events = sse("/api/v1/jobs/" + id + "/logs", token, Duration.ofMinutes(3));
        assertThat(events).anyMatch(line -> line.equals("event: log"));
        assertThat(events).anyMatch(line -> line.equals("event: progress"));
        int end = events.indexOf("event: end");
        assertThat(end).as(String.join("\n", events)).isPositive();
        assertThat(events.get(end + 1)).contains("\"status\":\"succeeded\"").contains("\"exitCode\":0");

        HttpResponse<String> manifest = app.get("/api/v1/jobs/" + id + "/artifacts/manifest.json", token);
        assertThat(manifest.statusCode()).isEqualTo(200);
        assertThat(manifest.body()).contains("\"nodes\"");
        HttpResponse<String> query = app.postJson("/api/v1/queries", "{\"sql\":\"select count(*) from customer_orders\"}", token);
        assertThat(query.statusCode()).as("the build's models are queryable: " + query.body()).isEqualTo(200);

        String docs = id(app.postJson("/api/v1/jobs", "{\"command\":\"docs\"}", token).body());
        List<String> docsEvents = sse("/api/v1/jobs/" + docs + "/logs", token, Duration.ofMinutes(3));
        assertThat(docsEvents.get(docsEvents.indexOf("event: end") + 1)).contains("\"status\":\"succeeded\"");
        HttpResponse<String> page = app.get("/api/v1/jobs/" + docs + "/docs", token);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html;charset=UTF-8");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).startsWith("sandbox allow-scripts;");
        assertThat(page.body().contains("\"model.starter.customer_orders\"")).as("the page holds the manifest").isTrue();
    }

    @Test
    void aWorkspaceTravelsAsAZipAndComesBackAsATarGz() throws Exception {
        String token = createUser(Api.uniqueUsername("packaged_archive"));
        HttpResponse<byte[]> download = HTTP.send(request("/api/v1/workspace/archive", token).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(download.statusCode()).isEqualTo(200);
        Map<String, byte[]> files = Archives.unzip(download.body());
        assertThat(files).containsKeys("dbt_project.yml", "models/marts/customer_orders.sql");
        files.put("notes.txt", "not part of a dbt project".getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> zip = upload(token, "application/zip", Archives.zip(files));
        assertThat(zip.statusCode()).as(zip.body()).isEqualTo(200);
        assertThat(zip.body()).contains("\"path\":\"models/marts/customer_orders.sql\"")
                .contains("\"skipped\":[{\"path\":\"notes.txt\",\"reason\":\"Only dbt_project.yml");
        HttpResponse<String> tarGz = upload(token, "application/gzip", Archives.gnuTarGz(files));
        assertThat(tarGz.statusCode()).as(tarGz.body()).isEqualTo(200);
        assertThat(tarGz.body()).contains("\"path\":\"models/marts/customer_orders.sql\"").contains("\"path\":\"./notes.txt\"");
    }

    private static HttpRequest.Builder request(String path, String token) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port + path)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30));
    }

    private static HttpResponse<String> upload(String token, String contentType, byte[] archive) throws Exception {
        return HTTP.send(request("/api/v1/workspace", token).header("Content-Type", contentType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(archive)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theTutorRelaysTheUpstreamWholeAndStreamed() throws Exception {
        String token = createUser(Api.uniqueUsername("packaged_tutor"));
        HttpResponse<String> answer = app.postJson("/api/v1/tutor/chat",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"why does my join repeat rows?\"}]}", token);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).contains("\"reply\":\"Try GROUP BY.\"").contains("\"promptTokens\":12");

        HttpRequest streamed = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port + "/api/v1/tutor/chat"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"and now streamed\"}]}"))
                .build();
        HttpResponse<String> stream = HTTP.send(streamed, HttpResponse.BodyHandlers.ofString());
        assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
        assertThat(stream.body()).contains("event: delta").contains("GROUP ").contains("event: end");
    }

    @Test
    void theLimitsCountInRedisAndAnswer429() throws Exception {
        String token = createUser(Api.uniqueUsername("packaged_limits"));
        HttpResponse<String> last = null;
        // the allowance refills one request every 600 ms while the loop runs, so a slow machine needs more than 101
        for (int i = 0; i < 202; i++) {
            last = app.get("/api/v1/me", token);
            if (last.statusCode() == 429) {
                break;
            }
            assertThat(last.headers().firstValue("RateLimit-Limit")).isPresent();
        }
        assertThat(last.statusCode()).as(last.body()).isEqualTo(429);
        assertThat(last.body()).contains("/problems/rate-limited");
        assertThat(last.headers().firstValue("Retry-After")).isPresent();

        Process keys = new ProcessBuilder("redis-cli", "-p", Integer.toString(REDIS_PORT), "--scan").redirectErrorStream(true).start();
        String scanned = new String(keys.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        keys.waitFor();
        assertThat(scanned).as("the counts live in Redis").isNotBlank();
    }

    private static String createUser(String username) throws Exception {
        HttpResponse<String> created = app.postJson("/api/v1/users", "{\"username\":\"" + username + "\"}", ADMIN);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return token(created.body());
    }

    private static String token(String body) {
        Matcher token = TOKEN.matcher(body);
        assertThat(token.find()).as(body).isTrue();
        return token.group(1);
    }

    private static String id(String body) {
        Matcher id = ID.matcher(body);
        assertThat(id.find()).as(body).isTrue();
        return id.group(1);
    }

    /** The event stream's lines up to the data line after {@code event: end}, each field as {@code name: value}. */
    private static List<String> sse(String path, String token, Duration timeout) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port + path))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").timeout(timeout).GET().build();
        HttpResponse<java.io.InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            boolean ending = false;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                line = FIELD.matcher(line).replaceFirst("$1: $2");
                lines.add(line);
                if (ending && line.startsWith("data:")) {
                    break;
                }
                ending |= line.equals("event: end");
            }
        }
        return lines;
    }
}
