package dev.decode.runner.warehouse;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

@QuarkusTest
class WarehouseApiTest {

    private String token;

    @BeforeEach
    void learner() {
        token = createUser(uniqueUsername("sql"));
    }

    private ValidatableResponse query(String sql) {
        return query(token, sql, null);
    }

    static ValidatableResponse query(String token, String sql, Integer maxRows) {
        Map<String, Object> body = new HashMap<>();
        body.put("sql", sql);
        if (maxRows != null) {
            body.put("maxRows", maxRows);
        }
        return as(token).contentType(ContentType.JSON).body(body).when().post("/api/v1/queries").then();
    }

    @Test
    void theLearnCatalogIsThereForEveryone() {
        query("select count(*) as orders, count(distinct customer_id) as customers from learn.orders")
                .statusCode(200)
                .body("columns.name", contains("orders", "customers"))
                .body("columns.type", contains("BIGINT", "BIGINT"))
                .body("rows[0][0]", is(100000))
                .body("rowCount", is(1))
                .body("truncated", is(false))
                .body("elapsedMs", org.hamcrest.Matchers.greaterThanOrEqualTo(0));
        query("select count(*) from learn.payments p join learn.orders o using (order_id) join learn.customers c using (customer_id)")
                .statusCode(200).body("rows[0][0]", is(95000));
    }

    @Test
    void theLearnCatalogIsReadOnlyOnDiskToo() throws Exception {
        query("select count(*) from learn.customers").statusCode(200);
        assertThat(java.nio.file.Files.getPosixFilePermissions(java.nio.file.Path.of("target/test-data/learn.duckdb")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("r--r--r--"));
    }

    @Test
    void valuesKeepTheirTypesInJson() {
        query("select 12345678901234567890.123456789::decimal(38,9) as d, 170141183460469231731687303715884105727::hugeint as h,"
                + " date '2024-02-29' as day, timestamp '2024-02-29 13:14:15.123' as ts, [1, 2, 3] as l,"
                + " {'a': 1, 'b': 'x'} as s, map {'k': 10} as m, '\\x00\\xFF'::blob as b, null as n, true as t, 1.5::double as f")
                .statusCode(200)
                .body(containsString("12345678901234567890.123456789"))
                .body(containsString("170141183460469231731687303715884105727"))
                .body("rows[0][2]", equalTo("2024-02-29"))
                .body("rows[0][3]", equalTo("2024-02-29T13:14:15.123"))
                .body("rows[0][4]", contains(1, 2, 3))
                .body("rows[0][5].a", is(1)).body("rows[0][5].b", equalTo("x"))
                .body("rows[0][6].k", is(10))
                .body("rows[0][7]", equalTo("AP8="))
                .body("rows[0][8]", equalTo(null))
                .body("rows[0][9]", is(true))
                .body("rows[0][10]", is(1.5f))
                .body("columns.type", contains("DECIMAL(38,9)", "HUGEINT", "DATE", "TIMESTAMP", "INTEGER[]",
                        "STRUCT(a INTEGER, b VARCHAR)", "MAP(VARCHAR, INTEGER)", "BLOB", "\"NULL\"", "BOOLEAN", "DOUBLE"));
    }

    @Test
    void maxRowsTruncatesAndIsBounded() {
        query(token, "select * from learn.orders order by order_id", 25)
                .statusCode(200).body("rows", hasSize(25)).body("rowCount", is(25)).body("truncated", is(true))
                .body("rows[24][0]", is(25));
        query("select * from learn.orders").statusCode(200).body("rows", hasSize(1000)).body("truncated", is(true));
        query(token, "select 1", 10000).statusCode(200).body("truncated", is(false));
        for (int bad : new int[] {0, -1, 10001}) {
            query(token, "select 1", bad).statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("/problems/invalid-request")).body("detail", containsString("maxRows"));
        }
        as(token).contentType(ContentType.JSON).body("{\"sql\":\"select 1\",\"maxRows\":\"ten\"}").when().post("/api/v1/queries")
                .then().statusCode(400).body("detail", containsString("maxRows"));
    }

    @Test
    void learnersOwnTablesAreTheirsAlone() {
        query("create table notes as select 42 as answer").statusCode(200);
        query("insert into notes values (43)").statusCode(200).body("rowCount", is(1));
        query("select sum(answer) from notes").statusCode(200).body("rows[0][0]", is(85));

        String other = createUser(uniqueUsername("other"));
        query(other, "select * from notes", null).statusCode(400)
                .body("type", equalTo("/problems/sql-error")).body("detail", containsString("notes"));
        query(other, "create table notes as select 'mine' as answer", null).statusCode(200);
        query(other, "select * from notes", null).statusCode(200).body("rows[0][0]", equalTo("mine"));
        query("select * from notes order by answer").statusCode(200).body("rows", hasSize(2));
    }

    @Test
    void sqlThatDuckDbRejectsIsASqlErrorWithItsMessage() {
        query("select * from no_such_table").statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("/problems/sql-error"))
                .body("detail", containsString("no_such_table"))
                .body("detail", not(containsString("/test-data")));
        query("select * frm learn.orders").statusCode(400).body("type", equalTo("/problems/sql-error")).body("detail", containsString("syntax"));
        query("selec 1").statusCode(400).body("type", equalTo("/problems/sql-error")).body("detail", containsString("selec"));
    }

    @Test
    void writingToLearnIsNotAllowed() {
        for (String sql : List.of("insert into learn.orders select * from learn.orders limit 1", "drop table learn.orders",
                "create table learn.mine as select 1", "update learn.customers set country = 'XX'", "delete from learn.payments")) {
            query(sql).statusCode(403).contentType("application/problem+json").body("type", equalTo("/problems/sql-not-allowed"));
        }
        query("select count(*) from learn.orders").statusCode(200).body("rows[0][0]", is(100000));
    }

    static String[] escapes() {
        return SqlGuardTest.escapes();
    }

    @ParameterizedTest
    @MethodSource("escapes")
    void escapeAttemptsAreRefusedOverHttpAndLeakNoPath(String sql) {
        String body = query(sql).statusCode(org.hamcrest.Matchers.oneOf(400, 403)).contentType("application/problem+json")
                .body("type", org.hamcrest.Matchers.oneOf("/problems/sql-not-allowed", "/problems/sql-error"))
                .extract().asString();
        assertThat(body).doesNotContain("test-data").doesNotContain("warehouse.duckdb").doesNotContain("learn.duckdb");
    }

    @Test
    void anotherUsersDatabaseCannotBeReached() {
        String bob = uniqueUsername("bob");
        String bobToken = createUser(bob);
        query(bobToken, "create table diary as select 'private' as entry", null).statusCode(200);

        query("select * from " + bob + ".diary").statusCode(400).body(not(containsString("private")));
        query("select * from warehouse.diary").statusCode(400).body(not(containsString("private")));
        query("attach 'target/test-data/users/" + bob + "/warehouse.duckdb' as b").statusCode(403);
        query("select * from 'target/test-data/users/" + bob + "/warehouse.duckdb'").statusCode(403);
    }

    @Test
    void aDeletedAndRecreatedUserStartsWithAnEmptyDatabase() {
        String username = uniqueUsername("again");
        String first = createUser(username);
        query(first, "create table kept as select 1 as x", null).statusCode(200);
        dev.decode.runner.support.Api.asAdmin().when().delete("/api/v1/users/{u}", username).then().statusCode(204);

        String second = createUser(username);
        query(second, "select * from kept", null).statusCode(400).body("type", equalTo("/problems/sql-error"));
        query(second, "select count(*) from learn.orders", null).statusCode(200);
    }

    @Test
    void historyListsQueriesNewestFirstWithTheirOutcome() {
        query("select 1 as first").statusCode(200);
        query("select * from nowhere").statusCode(400);
        query("attach 'x' as y").statusCode(403);
        query("select 2 as last").statusCode(200);

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() ->
                as(token).when().get("/api/v1/queries?limit=3")
                        .then().statusCode(200)
                        .body("items", hasSize(3))
                        .body("items.sql", contains("select 2 as last", "attach 'x' as y", "select * from nowhere"))
                        .body("items.status", contains("succeeded", "sql_not_allowed", "sql_error"))
                        .body("items[0].rowCount", is(1))
                        .body("items[1].error", containsString("not allowed"))
                        .body("items[0].id", not(equalTo(null)))
                        .body("items[0].createdAt", not(equalTo(null))));
        as(token).when().get("/api/v1/queries?limit=0").then().statusCode(400);
        as(createUser(uniqueUsername("fresh"))).when().get("/api/v1/queries").then().statusCode(200).body("items", hasSize(0));
    }

    @Test
    void aRequestWithoutSqlIsInvalid() {
        as(token).contentType(ContentType.JSON).body("{}").when().post("/api/v1/queries")
                .then().statusCode(400).body("type", equalTo("/problems/invalid-request")).body("detail", containsString("sql"));
        as(token).contentType(ContentType.JSON).body("{\"sql\": 5}").when().post("/api/v1/queries")
                .then().statusCode(400).body("detail", containsString("'sql'"));
        as(token).contentType(ContentType.JSON).body("null").when().post("/api/v1/queries")
                .then().statusCode(400).body("type", equalTo("/problems/invalid-request")).body("detail", containsString("'sql'"));
        as(token).contentType(ContentType.JSON).body(Map.of("sql", "select 1" + " ".repeat(100_000))).when().post("/api/v1/queries")
                .then().statusCode(400).body("type", equalTo("/problems/invalid-request")).body("detail", containsString("'sql'"));
    }

    @Test
    void aQueryIsInTheLearnersNextHistoryReadAtOnce() {
        for (int i = 0; i < 10; i++) {
            String sql = "select " + i + " as just_run";
            query(sql).statusCode(200);
            as(token).when().get("/api/v1/queries?limit=1")
                    .then().statusCode(200).body("items.sql", contains(sql)).body("items[0].status", equalTo("succeeded"));
        }
        as(token).when().get("/api/v1/queries").then().statusCode(200).body("items", hasSize(10));
    }

    @ParameterizedTest
    @ValueSource(strings = { "abc", "99999999999", "1.5", "201", "-1", "0" })
    void aHistoryLimitOfTheWrongFormIsInvalidAndNamed(String limit) {
        as(token).queryParam("limit", limit).when().get("/api/v1/queries")
                .then().statusCode(400)
                .body("type", equalTo("/problems/invalid-request"))
                .body("detail", containsString("'limit'"))
                .body("detail", containsString("between 1 and 200"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "1e12", "1000000000000", "10001", "0", "1.5", "\"many\"" })
    void aMaxRowsOutOfRangeOrOfTheWrongTypeIsInvalidAndNamed(String maxRows) {
        as(token).contentType(ContentType.JSON).body("{\"sql\": \"select 1\", \"maxRows\": " + maxRows + "}")
                .when().post("/api/v1/queries")
                .then().statusCode(400)
                .body("type", equalTo("/problems/invalid-request"))
                .body("detail", containsString("'maxRows'"));
    }
}
