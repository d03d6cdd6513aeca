package dev.decode.runner.warehouse;

import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static dev.decode.runner.warehouse.WarehouseApiTest.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.decode.runner.platform.errors.ProblemException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The pool's limits, with a 1 s query limit and two connections so that they are reached quickly. */
@QuarkusTest
@TestProfile(WarehousePoolTest.SmallPool.class)
class WarehousePoolTest {

    public static class SmallPool implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("runner.warehouse.query-timeout", "1s", "runner.warehouse.pool-size", "2",
                    "runner.warehouse.borrow-wait", "300ms", "runner.warehouse.database-busy-wait", "300ms",
                    "runner.warehouse.idle-sweep-every", "off");
        }
    }

    static final String SLOW = "select sum(a.range * b.range) from range(200000) a, range(200000) b";

    @Inject
    WarehousePool pool;

    @Inject
    DatabaseLocks locks;

    @Inject
    Clock clock;

    @Inject
    QueryRunner runner;

    @Test
    void aQueryOverTheLimitIsInterruptedAndThePoolStillWorks() {
        String token = createUser(uniqueUsername("slow"));
        long started = System.nanoTime();
        query(token, SLOW, null).statusCode(504).contentType("application/problem+json")
                .body("type", equalTo("/problems/query-timeout"));
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(tookMs).as("answered soon after the 1 s limit").isLessThan(10_000);

        query(token, "select 41 + 1", null).statusCode(200).body("rows[0][0]", is(42));
        assertThat(pool.stats().inUse()).isZero();
    }

    @Test
    void anExhaustedPoolAnswersBusyWithRetryAfterAndRecovers() {
        String first = createUser(uniqueUsername("hog"));
        String second = createUser(uniqueUsername("hog"));
        String third = createUser(uniqueUsername("late"));
        CompletableFuture<Integer> a = CompletableFuture.supplyAsync(() -> query(first, SLOW, null).extract().statusCode());
        CompletableFuture<Integer> b = CompletableFuture.supplyAsync(() -> query(second, SLOW, null).extract().statusCode());
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().inUse() == 2);

        query(third, "select 1", null).statusCode(503).contentType("application/problem+json")
                .body("type", equalTo("/problems/warehouse-busy"))
                .header("Retry-After", "1");

        assertThat(a.join()).isEqualTo(504);
        assertThat(b.join()).isEqualTo(504);
        query(third, "select 1", null).statusCode(200);
        assertThat(pool.stats().open()).isLessThanOrEqualTo(2);
    }

    @Test
    void connectionsAreReusedAndBoundedAcrossUsers() {
        String token = createUser(uniqueUsername("reuse"));
        query(token, "select 1", null).statusCode(200);
        int open = pool.stats().open();
        for (int i = 0; i < 5; i++) {
            query(token, "select 1", null).statusCode(200);
        }
        assertThat(pool.stats().open()).isEqualTo(open);
        for (int i = 0; i < 4; i++) {
            query(createUser(uniqueUsername("many")), "select 1", null).statusCode(200);
            assertThat(pool.stats().open()).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void theIdleSweepClosesOnlyConnectionsIdleForTheTimeout() {
        query(createUser(uniqueUsername("idle")), "select 1", null).statusCode(200);
        assertThat(pool.stats().idle()).isPositive();

        assertThat(pool.closeIdle(clock.instant())).isZero();
        int idle = pool.stats().idle();
        assertThat(pool.closeIdle(clock.instant().plus(Duration.ofMinutes(6)))).isEqualTo(idle);
        assertThat(pool.stats().open()).isZero();
    }

    @Test
    void aQueryWaitsForARunningJobThenAnswersDatabaseBusy() throws Exception {
        String username = uniqueUsername("busy");
        String token = createUser(username);
        query(token, "create table t as select 1 as x", null).statusCode(200);
        int openBefore = pool.stats().open();

        try (DatabaseLocks.Lease job = locks.write(username, Duration.ofSeconds(1)).orElseThrow()) {
            assertThat(pool.stats().open()).as("the job's lock closed the user's idle connection").isEqualTo(openBefore - 1);
            query(token, "select * from t", null).statusCode(409).contentType("application/problem+json")
                    .body("type", equalTo("/problems/database-busy"));
            query(token, "attach 'elsewhere.duckdb' as other", null).statusCode(403)
                    .body("type", equalTo("/problems/sql-not-allowed"));
        }
        query(token, "select * from t", null).statusCode(200).body("rows[0][0]", is(1));
    }

    @Test
    void aStatementRunAgainSeesItsTableRecreatedWithOtherColumnsAndOneThatFailedIsPreparedAfresh() {
        String token = createUser(uniqueUsername("again"));
        query(token, "create table t as select 1 as a", null).statusCode(200);
        query(token, "select * from t", null).statusCode(200).body("columns.name", contains("a")).body("rows[0][0]", is(1));

        query(token, "drop table t", null).statusCode(200);
        query(token, "create table t as select 'x' as b, 2 as c", null).statusCode(200);
        query(token, "select * from t", null).statusCode(200)
                .body("columns.name", contains("b", "c")).body("columns.type", contains("VARCHAR", "INTEGER"))
                .body("rows[0][0]", equalTo("x")).body("rows[0][1]", is(2));
        query(token, "insert into t values ('y', 3)", null).statusCode(200);
        query(token, "select * from t", null).statusCode(200).body("rowCount", is(2));

        query(token, "select v from later", null).statusCode(400).body("type", equalTo("/problems/sql-error"));
        query(token, "create table later as select 7 as v", null).statusCode(200);
        query(token, "select v from later", null).statusCode(200).body("rows[0][0]", is(7));
    }

    @Test
    void aConnectionKeepsOnlyItsLastStatementsThatRanWell() throws Exception {
        String username = uniqueUsername("kept");
        createUser(username);
        Lent.withConnection(pool, username, connection -> {
            List<PreparedStatement> prepared = new ArrayList<>();
            for (int i = 0; i < PooledConnection.KEPT_STATEMENTS + 4; i++) {
                prepared.add(connection.prepare("select " + i));
                connection.ran("select " + i, prepared.get(i), true);
            }
            for (int i = 0; i < 4; i++) {
                assertThat(prepared.get(i).isClosed()).as("statement %d, the least recently used", i).isTrue();
            }
            for (int i = 4; i < prepared.size(); i++) {
                assertThat(prepared.get(i).isClosed()).as("statement %d", i).isFalse();
                assertThat(connection.prepare("select " + i)).as("statement %d, kept", i).isSameAs(prepared.get(i));
            }

            PreparedStatement again = connection.prepare("select 'again'");
            connection.ran("select 'again'", again, true);
            PreparedStatement slow = connection.prepare(SLOW);
            connection.ran(SLOW, slow, true);
            assertThatThrownBy(() -> runner.run(connection, SLOW, 10, Duration.ofMillis(200))).isInstanceOf(ProblemException.class);
            assertThat(slow.isClosed()).as("the interrupted statement is not kept").isTrue();
            assertThat(connection.prepare(SLOW)).isNotSameAs(slow);
            assertThatThrownBy(() -> runner.run(connection, "select * from nowhere", 10, Duration.ofSeconds(5)))
                    .isInstanceOf(SQLException.class);
            assertThat(runner.run(connection, "select 'again'", 10, Duration.ofSeconds(5)).rows()).containsExactly(List.of("again"));
            assertThat(connection.prepare("select 'again'")).as("a statement that ran well stays kept").isSameAs(again);
            assertThat(again.isClosed()).isFalse();
        });
    }
}
