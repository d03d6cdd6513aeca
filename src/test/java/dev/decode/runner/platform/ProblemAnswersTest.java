package dev.decode.runner.platform;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.asAdmin;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.not;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.decode.runner.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;

@QuarkusTest
class ProblemAnswersTest {

    private String token;

    @BeforeEach
    void learner() {
        token = createUser(uniqueUsername("problems"));
    }

    @Test
    void anUnknownApiRouteIsNotFound() {
        as(token).when().get("/api/v1/nothing-here")
                .then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("/problems/not-found"))
                .body("status", is(404))
                .body("instance", equalTo("/api/v1/nothing-here"));
    }

    @Test
    void anUnknownRouteOutsideTheApiIsNotFound() {
        given().when().get("/no/such/page")
                .then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("/problems/not-found"));
    }

    @Test
    void aWrongMethodIsMethodNotAllowed() {
        as(token).when().put("/api/v1/me")
                .then().statusCode(405).contentType("application/problem+json")
                .body("type", equalTo("/problems/method-not-allowed"));
        asAdmin().when().get("/api/v1/users/{u}/token", "someone")
                .then().statusCode(405).contentType("application/problem+json");
    }

    @Test
    void aWrongContentTypeIsUnsupportedMediaType() {
        asAdmin().contentType(ContentType.TEXT).body("username=alice")
                .when().post("/api/v1/users")
                .then().statusCode(415).contentType("application/problem+json")
                .body("type", equalTo("/problems/unsupported-media-type"));
    }

    @Test
    void anOversizedBodyIsRefusedAsProblemJson() {
        String huge = "{\"username\":\"" + "a".repeat(3 * 1024 * 1024) + "\"}";
        asAdmin().contentType(ContentType.JSON).body(huge)
                .when().post("/api/v1/users")
                .then().statusCode(413).contentType("application/problem+json")
                .body("type", equalTo("/problems/request-too-large"));
    }

    @Test
    void aBodyOfUndeclaredLengthIsHeldToTheSameLimit() throws Exception {
        String huge = "{\"username\":\"" + "a".repeat(3 * 1024 * 1024) + "\"}";
        assertThat(statusOfChunkedPost("/api/v1/users", Api.ADMIN_TOKEN, huge)).startsWith("HTTP/1.1 413");
        assertThat(statusOfChunkedPost("/api/v1/users", Api.ADMIN_TOKEN, "{\"username\":\"" + "a".repeat(64 * 1024) + "\"}")).startsWith("HTTP/1.1 400");
        String chat = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(3 * 1024 * 1024) + "\"}]}";
        assertThat(statusOfChunkedPost("/api/v1/tutor/chat", token, chat)).startsWith("HTTP/1.1 413");
    }

    /** A body sent in chunks, so that no length is declared and the server counts it while reading. */
    private static String statusOfChunkedPost(String path, String bearer, String json) throws IOException {
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + bearer
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            int chunk = 16 * 1024;
            try {
                for (int sent = 0; sent < body.length; sent += chunk) {
                    int length = Math.min(chunk, body.length - sent);
                    out.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body, sent, length);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException refusedMidway) {
                // the server answered and closed before the whole body was sent
            }
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test
    void anUnexpectedFailureHidesItsMessageAndGivesAnIncidentId() {
        given().when().get("/test-only/explode")
                .then().statusCode(500).contentType("application/problem+json")
                .body("type", equalTo("/problems/internal-error"))
                .body("detail", containsString("incident"))
                .body(not(containsString(FailingTestResource.SECRET)))
                .body(not(containsString("at dev.decode")));
    }

    @Test
    void aListLimitOfTheWrongFormIsInvalidAndNamedOnEveryList() {
        for (String list : new String[] { "/api/v1/queries", "/api/v1/jobs" }) {
            as(token).queryParam("limit", "abc").when().get(list)
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("/problems/invalid-request"))
                    .body("detail", containsString("'limit'"));
        }
    }
}
