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
    void foldersThatDbtProjectYmlNamesAreAcceptedOnceItIsStoredAndInsideTheWorkspaceOnly() throws Exception {
        String username = uniqueUsername("layouter");
        String token = createUser(username);
        Path workspace = Path.of("target/test-data/users", username, "workspace").toAbsolutePath();
        String header = "name: shop\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: decode\n";
        String custom = header + "model-paths: [\"transform\", \"src/marts/\"]\nseed-paths: [\"data\"]\ntest-paths: [\"data-tests\"]\n"
                + "macro-paths: [\"jinja\"]\nsnapshot-paths: [\"history\"]\nanalysis-paths: [\"explore\"]\ndocs-paths: [\"docs\"]\n";
        List<String> customFiles = List.of("transform/stg_orders.sql", "src/marts/revenue.sql", "data/raw_orders.csv",
                "data-tests/revenue_is_positive.sql", "jinja/to_euros.sql", "history/orders_snapshot.sql", "explore/peek.sql",
                "docs/overview.md", "transform/schema.yml");

        as(token).contentType(ContentType.TEXT).body("select 1").when().put("/api/v1/workspace/files/transform/stg_orders.sql")
                .then().statusCode(400).body("type", equalTo("/problems/invalid-path")).body("detail", containsString("model-paths"));
        as(token).contentType(ContentType.TEXT).body(custom).when().put("/api/v1/workspace/files/dbt_project.yml").then().statusCode(200);
        for (String path : customFiles) {
            as(token).contentType(ContentType.TEXT).body("-- " + path + "\n").when().put("/api/v1/workspace/files/" + path)
                    .then().statusCode(201).body("path", equalTo(path));
        }
        as(token).contentType(ContentType.TEXT).body("select 1").when().put("/api/v1/workspace/files/models/still_standard.sql")
                .then().statusCode(201);
        as(token).get("/api/v1/workspace/files").then().statusCode(200).body("files.path", hasItems(customFiles.toArray(String[]::new)));

        // The contract's other rules hold in the project's own folders too.
        for (String path : List.of("transform/model.py", "transform/.hidden.sql", "data/profiles.yml", "Transform/a.sql",
                "transform", "src/a.sql", "elsewhere/a.sql", "transformed/a.sql")) {
            as(token).contentType(ContentType.TEXT).body("select 1").when().put("/api/v1/workspace/files/" + path)
                    .then().statusCode(400).body("type", equalTo("/problems/invalid-path"));
        }
        as(token).contentType(ContentType.TEXT).body("x".repeat(1024 * 1024 + 1)).when().put("/api/v1/workspace/files/data/big.csv")
                .then().statusCode(413).body("type", equalTo("/problems/quota-exceeded"));

        // A project file that names a folder out of the workspace is refused, naming the key, and the stored one stays.
        Files.createSymbolicLink(workspace.resolve("linked"), workspace.getParent());
        Map<String, String> outward = Map.of("seed-paths", "seed-paths: [\"linked\"]", "model-paths", "model-paths: [\"../jobs\"]",
                "test-paths", "test-paths: [\"/tmp\"]", "docs-paths", "docs-paths: [\"data-tests\", \"~/docs\"]");
        for (Map.Entry<String, String> attempt : outward.entrySet()) {
            as(token).contentType(ContentType.TEXT).body(header + attempt.getValue() + "\n").when().put("/api/v1/workspace/files/dbt_project.yml")
                    .then().statusCode(400).body("type", equalTo("/problems/invalid-request"))
                    .body("detail", containsString("'" + attempt.getKey() + "'"));
            as(token).get("/api/v1/workspace/files/dbt_project.yml").then().statusCode(200).body(equalTo(custom));
        }
        as(token).contentType(ContentType.TEXT).body("select 1").when().put("/api/v1/workspace/files/linked/a.sql")
                .then().statusCode(400).body("type", equalTo("/problems/invalid-path"));
        Files.delete(workspace.resolve("linked"));

        // Files of a folder the project no longer names stay readable and deletable; new ones are refused.
        as(token).contentType(ContentType.TEXT).body(header).when().put("/api/v1/workspace/files/dbt_project.yml").then().statusCode(200);
        as(token).contentType(ContentType.TEXT).body("select 2").when().put("/api/v1/workspace/files/transform/another.sql")
                .then().statusCode(400).body("type", equalTo("/problems/invalid-path"));
        as(token).get("/api/v1/workspace/files/transform/stg_orders.sql").then().statusCode(200).body(equalTo("-- transform/stg_orders.sql\n"));
        as(token).delete("/api/v1/workspace/files/transform/stg_orders.sql").then().statusCode(204);
        assertThat(workspace.resolve("transform")).exists().isDirectory();
        assertThat(workspace.resolve("transform/stg_orders.sql")).doesNotExist();
        // Where no file may be and none lies, reading and deleting are refused as writing is.
        for (String outside : List.of("transform/stg_orders.sql", "notes.txt", "elsewhere/a.sql")) {
            as(token).get("/api/v1/workspace/files/" + outside).then().statusCode(400).body("type", equalTo("/problems/invalid-path"));
            as(token).delete("/api/v1/workspace/files/" + outside).then().statusCode(400).body("type", equalTo("/problems/invalid-path"));
        }
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
