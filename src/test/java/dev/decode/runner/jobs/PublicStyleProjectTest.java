package dev.decode.runner.jobs;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.decode.runner.platform.UserDirectories;
import dev.decode.runner.support.DocsBrowser;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * A project laid out as the public dbt examples are (src/test/resources/projects/bike-shop: CSV seeds enabled by a var,
 * sources over them, staging views, mart tables, 21 data tests in a {@code data-tests/} folder, a macro of an offered
 * package) goes up as one archive, as a learner downloads it, and builds through the API unchanged: every node succeeds,
 * and its docs page renders in Chromium. The screenshot stays in {@code target/bike-shop-docs.png}.
 */
@QuarkusTest
class PublicStyleProjectTest {

    private static final Path PROJECT = Path.of("src/test/resources/projects/bike-shop");
    private static final Path PACKAGE = Path.of("src/test/resources/dbt-packages/learnkit/money_utils/0.2.0");
    /** What application.properties offers in tests. */
    private static final Path OFFERED = Path.of("target/test-dbt-packages");

    @BeforeAll
    static void offerThePackage() throws IOException {
        Path copy = OFFERED.resolve("learnkit/money_utils/0.2.0");
        UserDirectories.deleteTree(copy);
        try (Stream<Path> files = Files.walk(PACKAGE)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Path target = copy.resolve(PACKAGE.relativize(file).toString());
                Files.createDirectories(target.getParent());
                Files.copy(file, target);
            }
        }
    }

    @Test
    void anArchiveOfAPublicStyleProjectBuildsEveryNodeAndItsDocsPageRenders() throws Exception {
        String token = createUser(uniqueUsername("bikeshop"));
        as(token).contentType("application/zip").body(zipWithTopFolder(PROJECT, "bike-shop-main"))
                .when().put("/api/v1/workspace")
                .then().statusCode(200)
                .body("files.path", hasItem("data-tests/assert_payments_are_positive.sql"))
                .body("files.path", hasItem("packages.yml"))
                .body("skipped.size()", org.hamcrest.Matchers.is(0));

        assertThat(run(token, Map.of("command", "deps")).getString("status")).isEqualTo("succeeded");

        JsonPath build = run(token, Map.of("command", "build", "vars", Map.of("load_source_data", true)));
        assertThat(build.getString("status")).as("the build's log: %s", log(token, build)).isEqualTo("succeeded");
        List<Map<String, Object>> nodes = build.getList("nodes");
        assertThat(nodes).as("3 seeds, 5 models, 21 data tests").hasSize(29);
        assertThat(nodes).allSatisfy(node -> assertThat(node.get("status")).as("%s", node.get("uniqueId")).isIn("success", "pass"));
        assertThat(nodes).extracting(node -> node.get("resourceType")).contains("seed", "model", "test");

        JsonPath rows = as(token).contentType("application/json")
                .body(Map.of("sql", "select count(*) as customers, sum(lifetime_value) > 0 as valued from customers"))
                .when().post("/api/v1/queries").then().statusCode(200).extract().jsonPath();
        assertThat(rows.getList("rows").get(0).toString()).startsWith("[12, true");

        JsonPath docs = run(token, Map.of("command", "docs", "vars", Map.of("load_source_data", true)));
        assertThat(docs.getString("status")).as("the docs job's log: %s", log(token, docs)).isEqualTo("succeeded");
        Response page = as(token).accept("text/html").when().get("/api/v1/jobs/" + docs.getString("id") + "/docs")
                .then().statusCode(200).extract().response();
        DocsBrowser.Rendered rendered = DocsBrowser.render(page, "#!/model/model.bike_shop.customers?g_v=1", "bike-shop-docs");
        for (String model : List.of("customers", "orders", "stg_customers", "stg_orders", "stg_payments")) {
            assertThat(rendered.showsElement(model)).as("the page shows %s (%s)", model, rendered.domFile()).isTrue();
        }
        assertThat(rendered.drawsLineageGraph()).as("dbt's lineage graph, open (%s)", rendered.domFile()).isTrue();
        assertThat(rendered.pixelsOf(DocsBrowser.MODEL_NODE)).as("model nodes drawn in %s", rendered.screenshot()).isGreaterThan(2_000);
    }

    private static JsonPath run(String token, Map<String, Object> job) {
        return JobApi.awaitEnd(token, JobApi.submit(token, job), Duration.ofMinutes(3));
    }

    private static String log(String token, JsonPath job) {
        return as(token).accept("text/plain").when().get("/api/v1/jobs/" + job.getString("id") + "/logs").asString();
    }

    /** The project as a download from a code host packs it: every file below one top folder. */
    private static byte[] zipWithTopFolder(Path project, String top) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes); Stream<Path> files = Files.walk(project)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                zip.putNextEntry(new ZipEntry(top + "/" + project.relativize(file).toString().replace('\\', '/')));
                zip.write(Files.readAllBytes(file));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
