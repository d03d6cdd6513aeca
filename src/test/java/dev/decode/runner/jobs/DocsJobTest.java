package dev.decode.runner.jobs;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.decode.runner.platform.UserDirectories;
import dev.decode.runner.support.DbtEnvironment;
import dev.decode.runner.support.DocsBrowser;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * A docs job on the starter through the API, and its page rendered in headless Chromium (Debian's {@code chromium},
 * which {@code scripts/test.sh} installs): the page shows the project's models and draws its lineage graph under the
 * headers the API sends. The screenshot stays in {@code target/docs-page.png}.
 */
@QuarkusTest
class DocsJobTest {

    private static final String MARTS_YML = "templates/starter/models/marts/_marts.yml";
    /** A learner's description that would end the page's script if the manifest went in as it is. */
    private static final String LEARNER_TEXT = "</script><script>document.title='taken'</script><!-- Still the description.";
    private static final List<String> MODELS = List.of("customer_orders", "orders_by_status", "stg_customers", "stg_orders", "stg_payments");
    @Test
    void theDocsPageShowsTheModelsAndDrawsTheLineageGraphInChromium() throws Exception {
        String username = uniqueUsername("docs");
        String token = createUser(username);
        JobApi.put(token, "models/marts/_marts.yml", starterMarts().replace("One row per customer with their order history.",
                "\"One row per customer. " + LEARNER_TEXT + "\""));

        String id = JobApi.submit(token, Map.of("command", "docs"));
        as(token).when().get("/api/v1/jobs/" + id + "/docs").then().statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("/problems/job-not-finished"));
        JsonPath job = JobApi.awaitEnd(token, id, Duration.ofMinutes(3));
        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getList("args")).isEqualTo(List.of("docs", "generate"));

        as(token).when().get("/api/v1/jobs/" + id + "/artifacts/catalog.json").then().statusCode(200).contentType(ContentType.JSON)
                .body("sources['source.starter.learn.customers'].columns.size()", greaterThan(0));

        Response page = as(token).accept("text/html").when().get("/api/v1/jobs/" + id + "/docs").then().statusCode(200)
                .contentType("text/html;charset=UTF-8")
                .header("Content-Security-Policy", DocsPage.CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .extract().response();
        String html = page.asString();
        for (Path server : List.of(Path.of("target/test-data").toAbsolutePath(), DbtEnvironment.dbt().getParent().getParent())) {
            assertThat(html.contains(server.toString())).as("the page names the server's %s", server).isFalse();
        }
        assertThat(html.contains("\\u003c/script>\\u003cscript>document.title")).as("the learner's text is inlined escaped").isTrue();

        DocsBrowser.Rendered rendered = DocsBrowser.render(page, "#!/model/model.starter.customer_orders?g_v=1", "docs-page");
        assertThat(rendered.dom().contains("<title>dbt Docs</title>")).as("the page kept its title, the learner's script did not run (%s)",
                rendered.domFile()).isTrue();
        for (String model : MODELS) {
            assertThat(rendered.showsElement(model)).as("the page shows %s (%s)", model, rendered.domFile()).isTrue();
        }
        assertThat(rendered.dom().contains("One row per customer. &lt;/script&gt;&lt;script&gt;document.title='taken'&lt;/script&gt;"
                + "&lt;!-- Still the description.")).as("the description is shown as text (%s)", rendered.domFile()).isTrue();
        assertThat(rendered.drawsLineageGraph()).as("dbt's lineage graph, open (%s)", rendered.domFile()).isTrue();
        assertThat(rendered.pixelsOf(DocsBrowser.MODEL_NODE)).as("model nodes drawn in %s", rendered.screenshot()).isGreaterThan(2_000);
        assertThat(rendered.pixelsOf(DocsBrowser.SOURCE_NODE)).as("source nodes drawn in %s", rendered.screenshot()).isGreaterThan(2_000);

        String stranger = createUser(uniqueUsername("docsother"));
        as(stranger).when().get("/api/v1/jobs/" + id + "/docs").then().statusCode(404).body("type", equalTo("/problems/not-found"));

        UserDirectories.deleteTree(JobApi.userDir(username).resolve("jobs").resolve(id));
        as(token).when().get("/api/v1/jobs/" + id + "/docs").then().statusCode(404).contentType("application/problem+json")
                .body("detail", containsString("no longer kept"));
    }

    @Test
    void onlyADocsJobThatSucceededHasAPage() {
        String token = createUser(uniqueUsername("nodocs"));
        JobApi.put(token, "models/broken.sql", "select * from {{ ref('no_such_model') }}");
        String docs = JobApi.submit(token, Map.of("command", "docs"));
        String build = JobApi.submit(token, Map.of("command", "build"));
        as(token).when().post("/api/v1/jobs/" + build + "/cancel").then().statusCode(202).body("status", equalTo("cancelled"));

        as(token).when().get("/api/v1/jobs/" + build + "/docs").then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("/problems/not-found")).body("detail", containsString("build job"));
        as(token).when().get("/api/v1/jobs/" + build + "/artifacts/catalog.json").then().statusCode(404);

        assertThat(JobApi.awaitEnd(token, docs, Duration.ofMinutes(3)).getString("status")).isEqualTo("failed");
        as(token).when().get("/api/v1/jobs/" + docs + "/docs").then().statusCode(404).contentType("application/problem+json")
                .body("detail", containsString("ended failed"));
        as(token).when().get("/api/v1/jobs/no-such-job/docs").then().statusCode(404).body("type", equalTo("/problems/not-found"));
        as(token).contentType(ContentType.JSON).body(Map.of("command", "docs", "select", "customer_orders")).when().post("/api/v1/jobs")
                .then().statusCode(400).body("detail", containsString("'select'"));
    }

    private static String starterMarts() throws IOException {
        try (InputStream in = DocsJobTest.class.getClassLoader().getResourceAsStream(MARTS_YML)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
