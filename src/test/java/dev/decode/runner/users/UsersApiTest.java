package dev.decode.runner.users;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.asAdmin;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
class UsersApiTest {

    @Test
    void adminCreatesALearnerWhoseTokenWorksOnce() {
        String username = uniqueUsername("alice");
        String token = asAdmin().contentType(ContentType.JSON).body(Map.of("username", username))
                .when().post("/api/v1/users")
                .then().statusCode(201).contentType(ContentType.JSON)
                .body("username", equalTo(username))
                .body("token", matchesPattern("drt_[A-Za-z0-9_-]{43}"))
                .body("createdAt", matchesPattern("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"))
                .extract().path("token");

        as(token).when().get("/api/v1/me")
                .then().statusCode(200)
                .body("username", equalTo(username))
                .body("createdAt", notNullValue())
                // %test raises the limits for the shared test instance; LimitsApiTest checks the contract's values.
                .body("limits.requestsPerMinute", greaterThanOrEqualTo(100))
                .body("limits.expensivePerMinute", greaterThanOrEqualTo(20))
                .body("limits.concurrentRequests", greaterThanOrEqualTo(5))
                .body("limits.maxQueuedJobs", is(3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ab", "Alice", "1alice", "_alice", "alice-b", "alice b", "al.ice", "ålice",
            "a23456789012345678901234567890123", "../etc", "alice\n"})
    void usernamesOutsideThePatternAreInvalidRequests(String username) {
        asAdmin().contentType(ContentType.JSON).body(Map.of("username", username))
                .when().post("/api/v1/users")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("/problems/invalid-request"))
                .body("status", is(400))
                .body("detail", notNullValue())
                .body("instance", equalTo("/api/v1/users"));
    }

    @Test
    void aTakenUsernameIsAConflictAndTheFirstOwnerKeepsTheirToken() {
        String username = uniqueUsername("taken");
        String token = createUser(username);
        asAdmin().contentType(ContentType.JSON).body(Map.of("username", username))
                .when().post("/api/v1/users")
                .then().statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("/problems/conflict"));
        as(token).when().get("/api/v1/me").then().statusCode(200).body("username", equalTo(username));
    }

    @Test
    void unknownFieldsAreIgnored() {
        String username = uniqueUsername("extra");
        asAdmin().contentType(ContentType.JSON).body(Map.of("username", username, "role", "admin", "nested", Map.of("a", 1)))
                .when().post("/api/v1/users")
                .then().statusCode(201).body("username", equalTo(username));
    }

    @Test
    void aWrongTypeIsAnInvalidRequestNamingTheField() {
        asAdmin().contentType(ContentType.JSON).body("{\"username\": 5}")
                .when().post("/api/v1/users")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("/problems/invalid-request"))
                .body("detail", org.hamcrest.Matchers.containsString("'username'"));
        asAdmin().contentType(ContentType.JSON).body("{\"username\": {\"x\": 1}}")
                .when().post("/api/v1/users")
                .then().statusCode(400).body("detail", org.hamcrest.Matchers.containsString("'username'"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"username\": ", "not json", "{\"username\": \"bob\",}", "[1, 2", "[\"bob\"]", "\"bob\""})
    void malformedJsonIsAnInvalidRequest(String body) {
        asAdmin().contentType(ContentType.JSON).body(body)
                .when().post("/api/v1/users")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("/problems/invalid-request"));
    }

    @Test
    void aRefusedUsernameIsNamedAndANullBodySaysWhatToSend() {
        asAdmin().contentType(ContentType.JSON).body(Map.of("username", "Alice"))
                .when().post("/api/v1/users")
                .then().statusCode(400).body("detail", org.hamcrest.Matchers.containsString("'username'"));
        asAdmin().contentType(ContentType.JSON).body("{}")
                .when().post("/api/v1/users")
                .then().statusCode(400).body("detail", org.hamcrest.Matchers.containsString("'username'"));
        asAdmin().contentType(ContentType.JSON).body("null")
                .when().post("/api/v1/users")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("/problems/invalid-request"))
                .body("detail", org.hamcrest.Matchers.containsString("'username'"));
    }

    @Test
    void aMissingBodyIsAnInvalidRequest() {
        asAdmin().contentType(ContentType.JSON)
                .when().post("/api/v1/users")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("/problems/invalid-request"));
    }

    @Test
    void rotationStopsTheOldTokenAtOnce() {
        String username = uniqueUsername("rotate");
        String oldToken = createUser(username);
        String newToken = asAdmin().when().post("/api/v1/users/{u}/token", username)
                .then().statusCode(200)
                .body("username", equalTo(username))
                .body("token", not(equalTo(oldToken)))
                .extract().path("token");

        as(oldToken).when().get("/api/v1/me")
                .then().statusCode(401).header("WWW-Authenticate", "Bearer")
                .body("type", equalTo("/problems/unauthorized"));
        as(newToken).when().get("/api/v1/me").then().statusCode(200).body("username", equalTo(username));
    }

    @Test
    void rotatingOrDeletingAnUnknownUserIsNotFound() {
        asAdmin().when().post("/api/v1/users/{u}/token", uniqueUsername("ghost"))
                .then().statusCode(404).contentType("application/problem+json").body("type", equalTo("/problems/not-found"));
        asAdmin().when().delete("/api/v1/users/{u}", uniqueUsername("ghost"))
                .then().statusCode(404).body("type", equalTo("/problems/not-found"));
        asAdmin().when().delete("/api/v1/users/{u}", "Not_A_Valid_Name")
                .then().statusCode(404).body("type", equalTo("/problems/not-found"));
    }

    @Test
    void deletingAUserRemovesTheirTokenRecordAndFiles() throws Exception {
        String username = uniqueUsername("gone");
        String token = createUser(username);
        Path userDir = Path.of("target/test-data/users", username);
        Files.createDirectories(userDir.resolve("workspace/models"));
        Files.writeString(userDir.resolve("workspace/models/a.sql"), "select 1");

        asAdmin().when().delete("/api/v1/users/{u}", username).then().statusCode(204);

        as(token).when().get("/api/v1/me").then().statusCode(401);
        assertThat(userDir).doesNotExist();
        asAdmin().when().delete("/api/v1/users/{u}", username).then().statusCode(404);
        // The name is free again, with a fresh token.
        String again = createUser(username);
        assertThat(again).isNotEqualTo(token);
    }

    @Test
    void aLearnerTokenNeverWorksOnAdminEndpoints() {
        String username = uniqueUsername("mallory");
        String token = createUser(username);
        as(token).contentType(ContentType.JSON).body(Map.of("username", uniqueUsername("sneaky")))
                .when().post("/api/v1/users")
                .then().statusCode(403).contentType("application/problem+json").body("type", equalTo("/problems/forbidden"));
        as(token).when().post("/api/v1/users/{u}/token", username).then().statusCode(403);
        as(token).when().delete("/api/v1/users/{u}", username).then().statusCode(403);
        as(token).when().get("/api/v1/me").then().statusCode(200);
    }

    @Test
    void theAdminTokenIsNotALearner() {
        asAdmin().when().get("/api/v1/me")
                .then().statusCode(403).body("type", equalTo("/problems/forbidden"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Bearer", "Bearer ", "Basic YWxpY2U6c2VjcmV0", "Bearer drt_not-a-real-token", "Token abc"})
    void missingOrWrongTokensAreUnauthorized(String header) {
        var request = header.isEmpty() ? given() : given().header("Authorization", header);
        request.when().get("/api/v1/me")
                .then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer")
                .body("type", equalTo("/problems/unauthorized"))
                .body("title", notNullValue())
                .body("status", is(401));
        request.contentType(ContentType.JSON).body(Map.of("username", uniqueUsername("nobody")))
                .when().post("/api/v1/users")
                .then().statusCode(401);
    }
}
