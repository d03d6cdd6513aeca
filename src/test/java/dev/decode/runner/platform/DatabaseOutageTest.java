package dev.decode.runner.platform;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.asAdmin;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasItem;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.decode.runner.support.Api;
import dev.decode.runner.support.OwnPostgres;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** The contract's "PostgreSQL unreachable" rule, with the service's database stopped under it and started again. */
@QuarkusTest
@TestProfile(DatabaseOutageTest.OwnDatabase.class)
class DatabaseOutageTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    public static class OwnDatabase implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Room for the three short entries of the outage, not for a long one (about 200 bytes + 2 per character).
            return Map.of("runner.database.connect-timeout", CONNECT_TIMEOUT.toSeconds() + "s",
                    "runner.warehouse.history-buffer", "4K");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(OwnPostgres.class));
        }
    }

    @Inject
    Pool pool;

    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record.getMessage() + (record.getThrown() == null ? "" : " " + record.getThrown()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureLog() {
        java.util.logging.Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void releaseLog() {
        java.util.logging.Logger.getLogger("").removeHandler(capture);
    }

    @Test
    void anOutageAnswers503WhileHistoryIsKeptAndTheServiceRecoversWithoutRestart() {
        String token = createUser(uniqueUsername("outage"));
        query(token, "select 'before' as moment").statusCode(200);

        OwnPostgres.stopServer();
        try {
            // The learner's token is known and DuckDB is local: queries go on, their history waits.
            for (int i = 0; i < 3; i++) {
                query(token, "select 'during " + i + "' as moment").statusCode(200);
            }
            query(token, "select '" + "x".repeat(3_000) + "' as too_long_to_keep").statusCode(200);
            query(token, "select '" + "y".repeat(3_000) + "' as too_long_to_keep").statusCode(200);

            assertUnavailable(as(token).when().get("/api/v1/queries"));
            assertUnavailable(as(token).when().get("/api/v1/jobs"));
            assertUnavailable(as("a-token-never-seen-before").when().get("/api/v1/me"));
            assertUnavailable(asAdmin().contentType(ContentType.JSON).body(Map.of("username", uniqueUsername("late")))
                    .when().post("/api/v1/users"));
            // Past the connect timeout, when every failed request used to leave a stack trace behind.
            Awaitility.await().during(CONNECT_TIMEOUT.plusSeconds(1)).atMost(CONNECT_TIMEOUT.plusSeconds(3))
                    .until(() -> logged.stream().noneMatch(line -> line.contains("already complete")));
        } finally {
            OwnPostgres.startServer();
        }

        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> as(token).when().get("/api/v1/queries")
                .then().statusCode(200)
                .body("items.sql", hasItems("select 'before' as moment", "select 'during 0' as moment",
                        "select 'during 1' as moment", "select 'during 2' as moment"))
                .body("items.sql", not(hasItem(containsString("too_long_to_keep")))));
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("runner_warehouse_history_dropped_total 2.0"));
        assertThat(logged).filteredOn(line -> line.contains("PostgreSQL unreachable")).hasSize(1);
        assertThat(logged).filteredOn(line -> line.contains("Query history buffer full")).hasSize(1);
        assertThat(logged).filteredOn(line -> line.contains("PostgreSQL reachable again")).hasSize(1);
        assertThat(logged).noneMatch(line -> line.contains("internal-error") || line.contains("Unexpected failure"));
    }

    @Test
    void aJobThatEndsDuringAnOutageHasItsFinalStatusRecordedWhenPostgresReturns() {
        String token = createUser(uniqueUsername("outagejob"));
        String id = Api.startSlowJob(token);
        Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> "started".equals(as(token).when().get("/api/v1/jobs/" + id)
                .then().extract().path("nodes.find { it.uniqueId == 'model.starter.slow' }.status")));

        OwnPostgres.stopServer();
        try {
            as(token).when().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> "cancelled".equals(as(token).when().get("/api/v1/jobs/" + id)
                    .then().statusCode(200).extract().path("status")));
        } finally {
            OwnPostgres.startServer();
        }

        Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> "cancelled".equals(recordedStatus(id)));
        assertThat(logged).noneMatch(line -> line.contains("Could not record the end"));
    }

    private String recordedStatus(String id) {
        try {
            return pool.preparedQuery("select status from jobs where id = $1").execute(Tuple.of(id))
                    .await().atMost(Duration.ofSeconds(5)).iterator().next().getString("status");
        } catch (RuntimeException e) {
            return "unreachable: " + e;
        }
    }

    private static io.restassured.response.ValidatableResponse query(String token, String sql) {
        return as(token).contentType(ContentType.JSON).body(Map.of("sql", sql)).when().post("/api/v1/queries").then();
    }

    private static void assertUnavailable(Response response) {
        response.then().statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", equalTo("5"))
                .body("type", equalTo("/problems/database-unavailable"))
                .body("status", equalTo(503));
        assertThat(response.getTimeIn(java.util.concurrent.TimeUnit.MILLISECONDS)).isLessThan(CONNECT_TIMEOUT.toMillis());
    }
}
