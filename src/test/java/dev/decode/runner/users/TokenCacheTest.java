package dev.decode.runner.users;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.asAdmin;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Known tokens are answered from memory. The proof: a token keeps working on a path that reads nothing from
 * PostgreSQL after its row was changed behind the service's back, and stops at once when the service itself
 * rotates or deletes.
 */
@QuarkusTest
class TokenCacheTest {

    private static final String NO_DATABASE_PATH = "/api/v1/no-such-resource";

    @Inject
    Pool pool;

    @Test
    void aKnownTokenIsResolvedWithoutPostgres() {
        String username = uniqueUsername("cached");
        String token = createUser(username);
        as(token).when().get(NO_DATABASE_PATH).then().statusCode(404);

        pool.preparedQuery("update users set token_hash = $2 where username = $1")
                .execute(Tuple.of(username, io.vertx.core.buffer.Buffer.buffer(Tokens.hash(new Tokens().generate()))))
                .await().atMost(Duration.ofSeconds(10));
        as(token).when().get(NO_DATABASE_PATH).then().statusCode(404);
    }

    @Test
    void rotatingATokenStopsTheCachedOneAtOnce() {
        String username = uniqueUsername("rotated");
        String token = createUser(username);
        as(token).when().get("/api/v1/me").then().statusCode(200);
        String rotated = asAdmin().when().post("/api/v1/users/" + username + "/token").then().statusCode(200).extract().path("token");
        as(token).when().get(NO_DATABASE_PATH).then().statusCode(401);
        as(rotated).when().get("/api/v1/me").then().statusCode(200);
    }

    @Test
    void deletingAUserStopsTheirCachedTokenAtOnce() {
        String username = uniqueUsername("deleted");
        String token = createUser(username);
        as(token).when().get(NO_DATABASE_PATH).then().statusCode(404);
        asAdmin().when().delete("/api/v1/users/" + username).then().statusCode(204);
        as(token).when().get(NO_DATABASE_PATH).then().statusCode(401);
    }
}
