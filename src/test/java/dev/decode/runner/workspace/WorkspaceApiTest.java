package dev.decode.runner.workspace;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItems;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** The workspace file API, its path rules and quotas, templates, and the cleanup of unused workspaces. */
@QuarkusTest
class WorkspaceApiTest {

    @Inject
    WorkspaceCleanup cleanup;

    @Test
    void aNewLearnerStartsWithTheStarterProject() {
        String token = createUser(uniqueUsername("newbie"));
        as(token).when().get("/api/v1/workspace/files").then().statusCode(200)
                .body("files.path", hasItems("dbt_project.yml", "models/staging/stg_orders.sql", "seeds/order_statuses.csv"))
                .body("totalBytes", greaterThan(1000));
    }

    @Test
    void filesAreCreatedReplacedReadAndDeleted() {
        String token = createUser(uniqueUsername("editor"));
        as(token).contentType(ContentType.TEXT).body("select 1 as one\n").when().put("/api/v1/workspace/files/models/one.sql")
                .then().statusCode(201).body("path", equalTo("models/one.sql")).body("size", equalTo(16));
        as(token).contentType(ContentType.TEXT).body("select 2 as two\n").when().put("/api/v1/workspace/files/models/one.sql")
                .then().statusCode(200);
        as(token).when().get("/api/v1/workspace/files/models/one.sql").then().statusCode(200)
                .contentType(org.hamcrest.Matchers.containsString("text/plain")).body(equalTo("select 2 as two\n"));
        as(token).when().delete("/api/v1/workspace/files/models/one.sql").then().statusCode(204);
        as(token).when().get("/api/v1/workspace/files/models/one.sql").then().statusCode(404).body("type", equalTo("/problems/not-found"));
        as(token).when().delete("/api/v1/workspace/files/models/one.sql").then().statusCode(404);
    }

    @Test
    void pathsOutsideTheRulesAreRefusedAndNothingOutsideTheWorkspaceIsTouched() throws Exception {
        String username = uniqueUsername("escaper");
        String token = createUser(username);
        as(token).get("/api/v1/workspace/files").then().statusCode(200);
        Path userDir = Path.of("target/test-data/users", username).toAbsolutePath();
        List<String> before = tree(userDir.getParent().getParent());

        for (String path : List.of("models%2F..%2F..%2Fwarehouse.sql", "..%2F..%2Fx.sql", "models%5Ca.sql", "profiles.yml",
                "models/profiles.yml", "models/PROFILES.YML", "Models/a.sql", "MODELS/a.sql", "models/.hidden.sql", "models/a.py",
                "models/packages.yml", "target/a.sql", "models/a%2500.sql", "%2Fetc%2Fpasswd")) {
            as(token).contentType(ContentType.TEXT).body("select 1").urlEncodingEnabled(false)
                    .when().put("/api/v1/workspace/files/" + path)
                    .then().statusCode(400).body("type", equalTo("/problems/invalid-path"));
        }
        Files.createSymbolicLink(userDir.resolve("workspace/analyses"), userDir);
        as(token).contentType(ContentType.TEXT).body("select 1").when().put("/api/v1/workspace/files/analyses/warehouse.sql")
                .then().statusCode(400).body("type", equalTo("/problems/invalid-path"));
        as(token).when().get("/api/v1/workspace/files/analyses/warehouse.sql").then().statusCode(400);

        List<String> after = tree(userDir.getParent().getParent());
        after.remove(userDir.resolve("workspace/analyses").toString());
        assertThat(after).isEqualTo(before);
    }

    @Test
    void quotasAnswerQuotaExceeded() {
        String token = createUser(uniqueUsername("hoarder"));
        as(token).contentType(ContentType.TEXT).body("x".repeat(1024 * 1024 + 1)).when().put("/api/v1/workspace/files/seeds/big.csv")
                .then().statusCode(413).body("type", equalTo("/problems/quota-exceeded"));
        as(token).contentType(ContentType.TEXT).body("x".repeat(3 * 1024 * 1024)).when().put("/api/v1/workspace/files/seeds/huge.csv")
                .then().statusCode(413).body("type", equalTo("/problems/quota-exceeded"));
        for (int i = 0; i < 19; i++) {
            as(token).contentType(ContentType.TEXT).body("x".repeat(1024 * 1024)).when().put("/api/v1/workspace/files/seeds/part" + i + ".csv")
                    .then().statusCode(201);
        }
        as(token).contentType(ContentType.TEXT).body("x".repeat(1024 * 1024)).when().put("/api/v1/workspace/files/seeds/part19.csv")
                .then().statusCode(413).body("type", equalTo("/problems/quota-exceeded"));
    }

    @Test
    void resetReplacesTheProjectWithATemplate() {
        String token = createUser(uniqueUsername("resetter"));
        as(token).contentType(ContentType.JSON).body(Map.of("template", "empty")).when().post("/api/v1/workspace/reset")
                .then().statusCode(200).body("files.path", equalTo(List.of("dbt_project.yml")));
        as(token).contentType(ContentType.JSON).body(Map.of("template", "starter")).when().post("/api/v1/workspace/reset")
                .then().statusCode(200).body("files.size()", equalTo(13));
        for (String body : List.of("{\"template\": \"../etc\"}", "{}", "null")) {
            as(token).contentType(ContentType.JSON).body(body).when().post("/api/v1/workspace/reset")
                    .then().statusCode(400).body("type", equalTo("/problems/invalid-request"))
                    .body("detail", containsString("'template'"));
        }
    }

    @Test
    void cleanupDeletesOnlyWorkspacesUnusedForAWeek() throws Exception {
        String oldUser = uniqueUsername("oldtimer");
        String freshUser = uniqueUsername("regular");
        as(createUser(oldUser)).get("/api/v1/workspace/files").then().statusCode(200);
        as(createUser(freshUser)).get("/api/v1/workspace/files").then().statusCode(200);
        Path oldDir = Path.of("target/test-data/users", oldUser).toAbsolutePath();
        FileTime eightDaysAgo = FileTime.from(Instant.now().minus(Duration.ofDays(8)));
        try (Stream<Path> all = Files.walk(oldDir)) {
            for (Path path : all.toList()) {
                Files.setLastModifiedTime(path, eightDaysAgo);
            }
        }

        WorkspaceCleanup.Result result = cleanup.run();

        assertThat(Files.exists(oldDir)).isFalse();
        assertThat(Files.exists(Path.of("target/test-data/users", freshUser, "workspace", "dbt_project.yml"))).isTrue();
        assertThat(result.deleted()).isPositive();
        assertThat(result.bytesFreed()).isPositive();
    }

    private static List<String> tree(Path root) throws Exception {
        try (Stream<Path> all = Files.walk(root)) {
            return new java.util.ArrayList<>(all.map(Path::toString).sorted().toList());
        }
    }
}
