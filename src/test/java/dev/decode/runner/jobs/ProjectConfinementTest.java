package dev.decode.runner.jobs;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.decode.runner.support.DbtEnvironment;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * dbt stays inside the learner's workspace: path settings of dbt_project.yml that lead out are refused on upload and
 * again right before dbt starts, and nothing of another learner reaches a job's log or artifacts.
 */
@QuarkusTest
class ProjectConfinementTest {

    @Inject
    Confinement confinement;

    private static final String HEADER = "name: starter\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: decode\n";

    /** A learner with a model that holds a marker nobody else may ever see. */
    private record Victim(String username, String marker, Path model) {
    }

    private static Victim victim() {
        String username = uniqueUsername("victim");
        String token = createUser(username);
        String marker = "SECRET_OF_" + username.toUpperCase();
        JobApi.put(token, "models/private_notes.sql", "select '" + marker + "' as secret\n");
        return new Victim(username, marker, JobApi.userDir(username).resolve("workspace/models/private_notes.sql"));
    }

    private record Learner(String token, Path workspace) {
    }

    private static Learner learner(String prefix) {
        String username = uniqueUsername(prefix);
        String token = createUser(username);
        as(token).get("/api/v1/workspace/files").then().statusCode(200);
        return new Learner(token, JobApi.userDir(username).resolve("workspace"));
    }

    @Test
    void pathSettingsThatLeadOutOfTheWorkspaceAreRefusedOnUpload() throws IOException {
        Victim victim = victim();
        Learner learner = learner("climber");
        String token = learner.token();
        Path workspace = learner.workspace();
        Files.createSymbolicLink(workspace.resolve("models/elsewhere"), victim.model().getParent());
        String victimModels = "../../" + victim.username() + "/workspace/models";

        Map<String, String> corpus = new java.util.LinkedHashMap<>();
        corpus.put("model-paths", "model-paths: [\"" + victimModels + "\"]");
        corpus.put("macro-paths", "macro-paths: [\"" + victim.model().getParent() + "\"]");
        corpus.put("seed-paths", "seed-paths: [\"/etc\"]");
        corpus.put("test-paths", "test-paths: [\"%2e%2e/%2e%2e/" + victim.username() + "\"]");
        corpus.put("snapshot-paths", "snapshot-paths: [\"..%2F..%2F" + victim.username() + "\"]");
        corpus.put("analysis-paths", "analysis-paths: [\"\u2025/\u2025/" + victim.username() + "\"]");
        corpus.put("docs-paths", "docs-paths: [\"\uFF0E\uFF0E/\uFF0E\uFF0E/" + victim.username() + "\"]");
        corpus.put("asset-paths", "asset-paths: [\"models/../../../" + victim.username() + "\"]");
        corpus.put("function-paths", "function-paths: [\"models\", \"..\"]");
        corpus.put("source-paths", "source-paths: [\"{{ env_var('HOME') }}/../..\"]");
        corpus.put("data-paths", "data-paths: [\"..\\\\..\\\\" + victim.username() + "\"]");
        corpus.put("clean-targets", "clean-targets: [\"~/..\"]");
        corpus.put("target-path", "target-path: \"../target\"");
        corpus.put("log-path", "log-path: \"/tmp\"");
        corpus.put("packages-install-path", "packages-install-path: \"../../" + victim.username() + "\"");
        corpus.put("model_paths", "model_paths: [\"" + victimModels + "\"]");
        corpus.put("model-paths ", "model-paths: [\"models/elsewhere\"]");
        corpus.put("model-paths  ", "model-paths: \"/\"");
        corpus.put("model-paths   ", "\"model\\x2Dpaths\": [\"../x\"]");
        corpus.put("model-paths    ", "hidden: &where [\"" + victimModels + "\"]\nmodel-paths: *where");
        corpus.put("model-paths     ", "<<: {model-paths: [\"" + victimModels + "\"]}");

        for (Map.Entry<String, String> attempt : corpus.entrySet()) {
            as(token).contentType(ContentType.TEXT).body(HEADER + attempt.getValue() + "\n")
                    .when().put("/api/v1/workspace/files/dbt_project.yml")
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("/problems/invalid-request"))
                    .body("detail", containsString("'" + attempt.getKey().strip() + "'"));
        }
        // dbt's own loader would take the last of two equal keys, another loader the first: both are refused.
        as(token).contentType(ContentType.TEXT).body(HEADER + "model-paths: [\"models\"]\nmodel-paths: [\"" + victimModels + "\"]\n")
                .when().put("/api/v1/workspace/files/dbt_project.yml")
                .then().statusCode(400).body("type", equalTo("/problems/invalid-request")).body("detail", containsString("duplicate"));
        // A project file deeper down would be read as a package's: the same rules, from its own folder.
        as(token).contentType(ContentType.TEXT).body(HEADER + "model-paths: [\"../../../" + victimModels + "\"]\n")
                .when().put("/api/v1/workspace/files/models/pkg/dbt_project.yml")
                .then().statusCode(400).body("detail", containsString("'model-paths'"));

        assertThat(as(token).get("/api/v1/workspace/files/dbt_project.yml").asString()).doesNotContain("../");
        as(token).contentType(ContentType.TEXT).body(HEADER + "model-paths: [\"models\", \"more_models/\"]\ntarget-path: target\n")
                .when().put("/api/v1/workspace/files/dbt_project.yml").then().statusCode(200);
    }

    @Test
    void theDbtProcessCanReadItsOwnUsersFilesButNoOtherLearnersNorTheServices() throws Exception {
        Path dbt = DbtEnvironment.dbt();
        assumeTrue(confinement.landlockAbi(dbt) > 0, "this kernel offers no Landlock");
        Victim victim = victim();
        String username = uniqueUsername("reader");
        createUser(username);
        Path own = Files.createDirectories(JobApi.userDir(username)).resolve("own.txt");
        Files.writeString(own, "mine\n");
        Path adminToken = JobApi.userDir(username).getParent().getParent().resolve("admin-token");
        Files.writeString(adminToken.resolveSibling("service-secret"), "not for dbt\n");

        assertThat(runConfined(dbt, username, "/bin/cat", own.toString())).isEqualTo("mine\n");
        for (Path forbidden : List.of(victim.model(), victim.model().getParent(), adminToken.resolveSibling("service-secret"))) {
            assertThat(runConfined(dbt, username, "/bin/cat", forbidden.toString())).as(forbidden.toString())
                    .contains("Permission denied").doesNotContain(victim.marker());
        }
        assertThat(runConfined(dbt, username, "/bin/sh", "-c", "echo written > " + own.resolveSibling("new.txt") + " && echo ok"))
                .isEqualTo("ok\n");
        assertThat(runConfined(dbt, username, "/bin/sh", "-c", "echo written > " + victim.model().resolveSibling("planted.sql")))
                .contains("Permission denied");
    }

    private String runConfined(Path dbt, String username, String... command) throws Exception {
        Process process = new ProcessBuilder(confinement.wrap(dbt, username, List.of(command))).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    @Test
    void aProjectThatLeadsOutFailsBeforeDbtRunsAndNothingOfAnotherLearnerIsShown() throws IOException {
        Victim victim = victim();
        Learner learner = learner("intruder");
        String token = learner.token();
        Path workspace = learner.workspace();

        // Written straight to disk, as if the upload check had been bypassed.
        Files.writeString(workspace.resolve("dbt_project.yml"),
                HEADER + "model-paths: [\"models\", \"../../" + victim.username() + "/workspace/models\"]\n");
        JsonPath escaped = JobApi.awaitEnd(token, JobApi.submit(token, Map.of("command", "compile")), Duration.ofMinutes(2));
        assertThat(escaped.getString("status")).isEqualTo("failed");
        assertThat(escaped.getString("exitCode")).isNull();
        String log = as(token).accept("text/plain").get("/api/v1/jobs/" + escaped.getString("id") + "/logs").asString();
        assertThat(log).contains("dbt did not start", "'model-paths'");
        as(token).get("/api/v1/jobs/" + escaped.getString("id") + "/artifacts/manifest.json").then().statusCode(404);

        as(token).contentType(ContentType.JSON).body(Map.of("template", "starter")).post("/api/v1/workspace/reset").then().statusCode(200);
        Files.createSymbolicLink(workspace.resolve("models/borrowed.sql"), victim.model());
        JsonPath linked = JobApi.awaitEnd(token, JobApi.submit(token, Map.of("command", "compile")), Duration.ofMinutes(2));
        assertThat(linked.getString("status")).isEqualTo("failed");
        assertThat(as(token).accept("text/plain").get("/api/v1/jobs/" + linked.getString("id") + "/logs").asString())
                .contains("dbt did not start", "models/borrowed.sql", "link");
        Files.delete(workspace.resolve("models/borrowed.sql"));

        // DuckDB inside the job reads no files: not the other learner's model, not through a macro either.
        JobApi.put(token, "models/peek.sql", "select * from read_text('" + victim.model() + "')\n");
        JobApi.put(token, "macros/peek_macro.sql", "{% macro peek() %}{% if execute %}{{ log(run_query(\"select content from read_text('"
                + victim.model() + "')\").columns[0].values(), info=True) }}{% endif %}{% endmacro %}\n");
        JobApi.put(token, "models/peek_via_macro.sql", "{{ peek() }}\nselect 1 as one\n");
        JsonPath peeked = JobApi.awaitEnd(token, JobApi.submit(token, Map.of("command", "run", "select", "peek peek_via_macro")),
                Duration.ofMinutes(3));
        assertThat(peeked.getString("status")).isEqualTo("failed");
        String peekLog = as(token).accept("text/plain").get("/api/v1/jobs/" + peeked.getString("id") + "/logs").asString();
        assertThat(peeked.getList("nodes.status")).as(peekLog).containsOnly("error");
        assertThat(peekLog).contains("file system operations are disabled");

        for (String id : List.of(escaped.getString("id"), linked.getString("id"), peeked.getString("id"))) {
            assertThat(as(token).accept("text/plain").get("/api/v1/jobs/" + id + "/logs").asString()).doesNotContain(victim.marker());
            assertThat(JobApi.job(token, id).prettify()).doesNotContain(victim.marker());
        }
        try (Stream<Path> files = Files.walk(workspace.getParent())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).as(file.toString())
                        .doesNotContain(victim.marker());
            }
        }
    }
}
