package dev.decode.runner.limits;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The contract's "Limits" with the counts in Redis, including Redis going away and coming back. */
@QuarkusTest
@TestProfile(LimitsProfiles.InRedis.class)
class RedisLimitsApiTest {

    private static final OwnRedis REDIS = new OwnRedis();

    @Inject
    ManualLimitsClock clock;

    @BeforeAll
    static void startRedis() {
        REDIS.start();
    }

    @AfterAll
    static void stopRedis() throws InterruptedException {
        REDIS.stop();
    }

    @BeforeEach
    void everyWindowStartsFull() {
        clock.advance(Duration.ofMinutes(2));
    }

    @Test
    void theHundredAndFirstRequestIsRateLimitedAndTheCountLivesInRedis() throws Exception {
        String username = uniqueUsername("shared");
        String token = createUser(username);
        for (int i = 1; i <= 100; i++) {
            as(token).when().get("/api/v1/me").then().statusCode(200).header("RateLimit-Remaining", Integer.toString(100 - i));
        }
        as(token).when().get("/api/v1/me").then().statusCode(429)
                .body("type", equalTo("/problems/rate-limited"))
                .header("Retry-After", "1")
                .header("RateLimit-Limit", "100")
                .header("RateLimit-Remaining", "0")
                .header("RateLimit-Reset", "60");
        assertThat(redisKeys()).contains("decode-runner:limits:requests:user:" + username);
    }

    @Test
    void whenRedisStopsTheServiceKeepsAnsweringAndReturnsToRedisOnceItIsBack() throws Exception {
        String username = uniqueUsername("outage");
        String token = createUser(username);
        as(token).when().get("/api/v1/me").then().statusCode(200).header("RateLimit-Remaining", "99");
        readiness().then().statusCode(200).body("checks.find { it.name == 'Rate limits' }.data.redis", equalTo("reachable"));

        REDIS.stop();
        for (int i = 0; i < 5; i++) {
            as(token).when().get("/api/v1/me").then().statusCode(200).header("RateLimit-Limit", "100");
        }
        readiness().then().statusCode(200)
                .body("checks.name", hasItem("Rate limits"))
                .body("checks.find { it.name == 'Rate limits' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'Rate limits' }.data.redis", equalTo("unreachable"))
                .body("checks.find { it.name == 'Rate limits' }.data.store", equalTo("memory"))
                .body("checks.findAll { it.name.toLowerCase().contains('redis') }", org.hamcrest.Matchers.empty());

        REDIS.start();
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).until(() -> {
            as(token).when().get("/api/v1/me").then().statusCode(200);
            return redisKeys().contains("decode-runner:limits:requests:user:" + username);
        });
        readiness().then().statusCode(200).body("checks.find { it.name == 'Rate limits' }.data.redis", equalTo("reachable"));
    }

    private static io.restassured.response.Response readiness() {
        return given().when().get("/q/health/ready");
    }

    private static List<String> redisKeys() throws IOException, InterruptedException {
        Process cli = new ProcessBuilder("redis-cli", "-p", Integer.toString(OwnRedis.PORT), "--scan", "--pattern", "decode-runner:limits:*")
                .redirectErrorStream(true).start();
        String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        cli.waitFor();
        return out.lines().toList();
    }
}
