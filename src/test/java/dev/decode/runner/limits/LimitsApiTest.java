package dev.decode.runner.limits;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.startSlowJob;
import static dev.decode.runner.support.Api.uniqueUsername;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;

/** The contract's "Limits" through HTTP, counted in memory; the clock stands still unless a test moves it. */
@QuarkusTest
@TestProfile(LimitsProfiles.InMemory.class)
class LimitsApiTest {

    private static final String CHEAP = "/api/v1/test-only/slow?ms=0";

    @Inject
    ManualLimitsClock clock;

    @BeforeEach
    void everyWindowStartsFull() {
        clock.advance(Duration.ofMinutes(2));
    }

    @Test
    void meReportsTheContractsLimits() {
        as(createUser(uniqueUsername("me"))).when().get("/api/v1/me").then().statusCode(200)
                .body("limits.requestsPerMinute", is(100))
                .body("limits.expensivePerMinute", is(20))
                .body("limits.concurrentRequests", is(5))
                .body("limits.maxQueuedJobs", is(3));
    }

    @Test
    void theHundredAndFirstRequestInAMinuteIsRateLimitedWithRetryAfter() {
        String token = createUser(uniqueUsername("burst"));
        for (int i = 1; i <= 100; i++) {
            as(token).when().get("/api/v1/me").then().statusCode(200)
                    .header("RateLimit-Limit", "100")
                    .header("RateLimit-Remaining", Integer.toString(100 - i));
        }
        as(token).when().get("/api/v1/me").then().statusCode(429)
                .contentType("application/problem+json")
                .body("type", equalTo("/problems/rate-limited"))
                .body("status", is(429))
                .body("instance", equalTo("/api/v1/me"))
                .header("Retry-After", "1")
                .header("RateLimit-Limit", "100")
                .header("RateLimit-Remaining", "0")
                .header("RateLimit-Reset", "60");

        clock.advance(Duration.ofMillis(600));
        as(token).when().get("/api/v1/me").then().statusCode(200).header("RateLimit-Remaining", "0");
    }

    @Test
    void theTwentyFirstExpensiveRequestInAMinuteIsRateLimitedWhileOthersGoOn() {
        String token = createUser(uniqueUsername("costly"));
        List<String> expensive = List.of("/api/v1/queries", "/api/v1/jobs", "/api/v1/tutor/chat");
        for (int i = 1; i <= 20; i++) {
            // Whatever answers behind the limiter (a 4xx for this empty body) is fine; it is not the limiter's 429.
            as(token).when().post(expensive.get(i % 3)).then().statusCode(not(429))
                    .header("RateLimit-Limit", "20")
                    .header("RateLimit-Remaining", Integer.toString(20 - i));
        }
        as(token).when().post("/api/v1/queries").then().statusCode(429)
                .body("type", equalTo("/problems/rate-limited"))
                .header("Retry-After", "3")
                .header("RateLimit-Limit", "20")
                .header("RateLimit-Remaining", "0");
        as(token).when().get("/api/v1/queries").then().statusCode(not(429));
        as(token).when().get("/api/v1/me").then().statusCode(200)
                .header("RateLimit-Limit", "100")
                .header("RateLimit-Remaining", "78");
    }

    @Test
    void aBurstAtAMinutesEndLeavesNoSecondBurstAfterTheEdge() {
        String token = createUser(uniqueUsername("edge"));
        clock.moveToNextMinutePlus(Duration.ofSeconds(59));
        for (int i = 0; i < 100; i++) {
            as(token).when().get(CHEAP).then().statusCode(200);
        }
        clock.moveToNextMinutePlus(Duration.ofSeconds(1));
        int allowed = 0;
        for (int i = 0; i < 10; i++) {
            allowed += as(token).when().get(CHEAP).statusCode() == 200 ? 1 : 0;
        }
        assertThat(allowed).as("two seconds after a full burst, two seconds' worth of requests").isEqualTo(3);
    }

    @Test
    void everyApiAnswerCarriesTheRateLimitHeaders() {
        String token = createUser(uniqueUsername("headers"));
        List<Response> answers = List.of(
                as(token).when().get("/api/v1/me"),
                as(token).when().get("/api/v1/no-such-thing"),
                as(token).when().delete("/api/v1/users/someone"),
                given().when().get("/api/v1/me"),
                as("drt_not-a-token").when().get("/api/v1/me"));
        assertThat(answers).extracting(Response::statusCode).containsExactly(200, 404, 403, 401, 401);
        for (Response answer : answers) {
            assertThat(answer.header("RateLimit-Limit")).isEqualTo("100");
            assertThat(answer.header("RateLimit-Remaining")).matches("\\d+");
            assertThat(answer.header("RateLimit-Reset")).matches("[1-9]\\d*");
        }
    }

    @Test
    void requestsWithoutAValidTokenAreLimitedPerClientAddress() {
        String token = createUser(uniqueUsername("bystander"));
        for (int i = 0; i < 100; i++) {
            as("drt_wrong").when().get("/api/v1/me").then().statusCode(401).header("WWW-Authenticate", "Bearer");
        }
        given().when().get("/api/v1/me").then().statusCode(429).body("type", equalTo("/problems/rate-limited"));
        as(token).when().get("/api/v1/me").then().statusCode(200);
    }

    @Test
    void qPathsAreNeverLimited() {
        for (int i = 0; i < 101; i++) {
            given().when().get("/api/v1/me");
        }
        given().when().get("/api/v1/me").then().statusCode(429);
        for (int i = 0; i < 150; i++) {
            given().when().get("/q/health/live").then().statusCode(200).header("RateLimit-Limit", nullValue());
        }
        given().when().get("/q/metrics").then().statusCode(200);
    }

    @Test
    void sixConcurrentSlowRequestsFromOneUserGiveExactlyOneRefusal() {
        String username = uniqueUsername("busy");
        String token = createUser(username);
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answers.add(client.sendAsync(HttpRequest.newBuilder(uri("/api/v1/test-only/slow?ms=4000"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()));
        }
        List<HttpResponse<String>> done = answers.stream().map(CompletableFuture::join).toList();
        assertThat(done).extracting(HttpResponse::statusCode).containsOnly(200, 429).filteredOn(s -> s == 429).hasSize(1);
        HttpResponse<String> refused = done.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        assertThat(refused.body()).contains("/problems/too-many-concurrent-requests");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.headers().firstValue("RateLimit-Limit")).hasValue("100");
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).until(() -> everySlotFree(token));
    }

    @Test
    void aSlotIsReleasedWhenTheClientGoesAwayAndLogStreamsAreNotCounted() throws Exception {
        String username = uniqueUsername("leaver");
        String token = createUser(username);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                held.add(openSlowRequest(token));
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                clock.advance(Duration.ofMinutes(2)); // so that the probes never use up the minute's window
                return as(token).when().get(CHEAP).statusCode() == 429;
            });
            as(token).when().get(CHEAP).then().statusCode(429).body("type", equalTo("/problems/too-many-concurrent-requests"));
            as(token).when().get("/api/v1/jobs/some-job/logs").then().statusCode(not(429));
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).until(() -> everySlotFree(token));
    }

    @Test
    void aFourthLogStreamOfOneUserIsRefusedUntilOneCloses() throws Exception {
        String token = createUser(uniqueUsername("watcher"));
        String job = startSlowJob(token);
        List<Socket> streams = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                streams.add(openLogStream(token, job));
                assertThat(statusLine(streams.get(i))).isEqualTo("HTTP/1.1 200 OK");
            }
            Socket fourth = openLogStream(token, job);
            streams.add(fourth);
            assertThat(statusLine(fourth)).isEqualTo("HTTP/1.1 429 Too Many Requests");
            assertThat(readThrough(fourth, "/problems/too-many-concurrent-requests")).containsIgnoringCase("retry-after: 1");

            streams.remove(0).close();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                Socket next = openLogStream(token, job);
                streams.add(next);
                return statusLine(next).equals("HTTP/1.1 200 OK");
            });
        } finally {
            as(token).when().post("/api/v1/jobs/" + job + "/cancel").then().statusCode(202);
            for (Socket stream : streams) {
                stream.close();
            }
        }
    }

    @Test
    void refusalsAreCountedByLimitAndLoggedOnceAMinutePerPrincipal() {
        String username = uniqueUsername("noisy");
        String token = createUser(username);
        List<String> logged = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                String message = record.getParameters() == null ? record.getMessage()
                        : String.format(record.getMessage(), record.getParameters());
                if (message.contains("principal=user:" + username)) {
                    logged.add(message);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(Rejections.class.getName());
        logger.addHandler(capture);
        try {
            for (int i = 0; i < 100; i++) {
                as(token).when().get(CHEAP).then().statusCode(200);
            }
            for (int i = 0; i < 3; i++) {
                as(token).when().get(CHEAP).then().statusCode(429);
            }
            assertThat(logged).hasSize(1).first().asString().startsWith("Rate limit exceeded").contains("limit=requests");
            clock.advance(Duration.ofSeconds(61));
            for (int i = 0; i < 101; i++) {
                as(token).when().get(CHEAP);
            }
            assertThat(logged).hasSize(2);
        } finally {
            logger.removeHandler(capture);
        }
        given().when().get("/q/metrics").then().statusCode(200)
                .body(org.hamcrest.Matchers.matchesPattern("(?s).*runner_limits_rejected_total\\{limit=\"requests\"} [1-9].*"));
    }

    private static Socket openSlowRequest(String token) throws Exception {
        Socket socket = new Socket("127.0.0.1", RestAssured.port);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /api/v1/test-only/slow?ms=120000 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    private static Socket openLogStream(String token, String job) throws Exception {
        Socket socket = new Socket("127.0.0.1", RestAssured.port);
        socket.setSoTimeout(30_000);
        socket.getOutputStream().write(("GET /api/v1/jobs/" + job + "/logs HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    /** The first line of the answer; a stream that was let in keeps going behind it. */
    private static String statusLine(Socket socket) throws Exception {
        StringBuilder line = new StringBuilder();
        for (int c = socket.getInputStream().read(); c != '\r' && c != -1; c = socket.getInputStream().read()) {
            line.append((char) c);
        }
        return line.toString();
    }

    /** What arrives until {@code expected} has (the socket's timeout fails the test if it never does). */
    private static String readThrough(Socket socket, String expected) throws Exception {
        StringBuilder text = new StringBuilder();
        while (text.indexOf(expected) < 0) {
            int c = socket.getInputStream().read();
            if (c == -1) {
                break;
            }
            text.append((char) c);
        }
        return text.toString();
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + RestAssured.port + path);
    }

    /** Whether five slow requests of the user, at once, all get through: none of the user's slots is still taken. */
    private boolean everySlotFree(String token) {
        clock.advance(Duration.ofMinutes(2));
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(client.sendAsync(HttpRequest.newBuilder(uri("/api/v1/test-only/slow?ms=300"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()));
        }
        return answers.stream().map(CompletableFuture::join).allMatch(answer -> answer.statusCode() == 200);
    }
}
