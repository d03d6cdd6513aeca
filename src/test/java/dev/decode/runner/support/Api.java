package dev.decode.runner.support;

import static io.restassured.RestAssured.given;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** Test helpers that speak the public API, the way a client would. */
public final class Api {

    public static final String ADMIN_TOKEN = "test-admin-token-not-a-secret";
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final String RUN = Long.toString(System.nanoTime() % 1_000_000_000L, 36);

    private Api() {
    }

    /** A username no earlier run of the suite used, so tests never depend on a clean database. */
    public static String uniqueUsername(String prefix) {
        return (prefix + "_" + RUN + "_" + SEQUENCE.incrementAndGet()).toLowerCase();
    }

    public static RequestSpecification asAdmin() {
        return given().header("Authorization", "Bearer " + ADMIN_TOKEN);
    }

    public static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    /** Creates a learner and returns their token. */
    public static String createUser(String username) {
        return asAdmin().contentType(ContentType.JSON).body(Map.of("username", username))
                .when().post("/api/v1/users")
                .then().statusCode(201)
                .extract().path("token");
    }

    /** A dbt model with minutes of single-threaded work; only a stop ends it in a test's time. */
    public static final String SLOW_DBT_MODEL = "{{ config(materialized='table') }}\n"
            + "select count(*) as n from range(100000000) a, range(1000) b where (a.range * b.range) % 7 = 3\n";

    /** Puts the slow model into the learner's workspace and submits {@code dbt run} of it; returns the job id. */
    public static String startSlowJob(String token) {
        as(token).contentType(ContentType.TEXT).body(SLOW_DBT_MODEL).when().put("/api/v1/workspace/files/models/slow.sql")
                .then().statusCode(org.hamcrest.Matchers.anyOf(org.hamcrest.Matchers.is(200), org.hamcrest.Matchers.is(201)));
        return as(token).contentType(ContentType.JSON).body(Map.of("command", "run", "select", "slow"))
                .when().post("/api/v1/jobs").then().statusCode(202).extract().path("id");
    }
}
