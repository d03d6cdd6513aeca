package dev.decode.runner.jobs;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.decode.runner.platform.UserDirectories;
import dev.decode.runner.support.DbtEnvironment;
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

    private static final Path SCREENSHOT = Path.of("target/docs-page.png").toAbsolutePath();
    private static final Path CHROMIUM_LOG = Path.of("target/docs-page-chromium.log").toAbsolutePath();
    private static final String MARTS_YML = "templates/starter/models/marts/_marts.yml";
    /** A learner's description that would end the page's script if the manifest went in as it is. */
    private static final String LEARNER_TEXT = "</script><script>document.title='taken'</script><!-- Still the description.";
    private static final List<String> MODELS = List.of("customer_orders", "orders_by_status", "stg_customers", "stg_orders", "stg_payments");
    /** The fill colours of dbt's lineage graph: models, and sources (which nothing else on the page uses). */
    private static final int MODEL_NODE = 0x0094b3;
    private static final int SOURCE_NODE = 0x5fb825;

    @Test
    void theDocsPageShowsTheModelsAndDrawsTheLineageGraphInChromium() throws Exception {
        Path chromium = chromium();
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

        String dom = render(chromium, page, "#!/model/model.starter.customer_orders?g_v=1");
        String rendered = dom.replaceAll("(?s)<script\\b.*?</script>", "");
        Path renderedFile = Files.writeString(Path.of("target/docs-page-dom.html").toAbsolutePath(), rendered);
        assertThat(rendered.contains("<title>dbt Docs</title>")).as("the page kept its title, the learner's script did not run (%s)",
                renderedFile).isTrue();
        for (String model : MODELS) {
            assertThat(Pattern.compile(">\\s*" + model + "\\s*<").matcher(rendered).find())
                    .as("the page shows %s (%s)", model, renderedFile).isTrue();
        }
        assertThat(rendered.contains("One row per customer. &lt;/script&gt;&lt;script&gt;document.title='taken'&lt;/script&gt;"
                + "&lt;!-- Still the description.")).as("the description is shown as text (%s)", renderedFile).isTrue();
        assertThat(Pattern.compile("id=\"cy\"[^>]*__________cytoscape_container").matcher(rendered).find())
                .as("dbt's lineage graph container (%s)", renderedFile).isTrue();
        Matcher canvas = Pattern.compile("data-id=\"layer2-node\" width=\"(\\d+)\" height=\"(\\d+)\"").matcher(rendered);
        assertThat(canvas.find()).as("the graph's node layer (%s)", renderedFile).isTrue();
        assertThat(Integer.parseInt(canvas.group(1)) * Integer.parseInt(canvas.group(2))).as("the graph is open, not folded away").isGreaterThan(100_000);

        BufferedImage screenshot = ImageIO.read(SCREENSHOT.toFile());
        assertThat(pixelsOf(screenshot, MODEL_NODE)).as("model nodes drawn in %s", SCREENSHOT).isGreaterThan(2_000);
        assertThat(pixelsOf(screenshot, SOURCE_NODE)).as("source nodes drawn in %s", SCREENSHOT).isGreaterThan(2_000);

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

    /**
     * Chromium loads the page from a local server that answers with the body and headers the API sent, so that the
     * browser applies them as it would to the API's answer (the API wants a bearer token, which a browser's address
     * cannot carry). Returns the DOM after the page's scripts ran; the screenshot goes to {@link #SCREENSHOT}.
     */
    private static String render(Path chromium, Response page, String fragment) throws Exception {
        byte[] body = page.asByteArray();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/docs", exchange -> {
            for (String header : List.of("Content-Type", "Content-Security-Policy", "X-Content-Type-Options")) {
                exchange.getResponseHeaders().set(header, page.header(header));
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        Path profile = Files.createTempDirectory("docs-chromium");
        Files.deleteIfExists(SCREENSHOT);
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/docs" + fragment;
            Process process = new ProcessBuilder(chromium.toString(), "--headless", "--disable-gpu", "--no-sandbox",
                    "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars", "--user-data-dir=" + profile,
                    "--window-size=1400,1000", "--virtual-time-budget=15000", "--screenshot=" + SCREENSHOT, "--dump-dom", url)
                    .redirectError(CHROMIUM_LOG.toFile()).start();
            CompletableFuture<String> dom = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                Assertions.fail("Chromium did not finish within 2 minutes; its log: " + CHROMIUM_LOG);
            }
            assertThat(process.exitValue()).as("Chromium's exit code; its log: %s", CHROMIUM_LOG).isZero();
            assertThat(SCREENSHOT).as("Chromium's screenshot").isRegularFile();
            return dom.get(10, TimeUnit.SECONDS);
        } finally {
            server.stop(0);
            UserDirectories.deleteTree(profile);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Pixels within a small distance of {@code rgb}, as anti-aliasing and scaling leave edges slightly off. */
    private static long pixelsOf(BufferedImage image, int rgb) {
        return Arrays.stream(image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth()))
                .filter(pixel -> near(pixel >> 16, rgb >> 16) && near(pixel >> 8, rgb >> 8) && near(pixel, rgb)).count();
    }

    private static boolean near(int a, int b) {
        return Math.abs((a & 0xff) - (b & 0xff)) <= 8;
    }

    /** Chromium on PATH; missing, the test fails in CI (CI=true) and is skipped elsewhere with how to install it. */
    private static Path chromium() {
        Optional<Path> found = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, "chromium")).filter(Files::isExecutable).findFirst();
        if (found.isEmpty()) {
            String missing = "Chromium is not installed: `source scripts/lib.sh && ensure_chromium` installs it (scripts/test.sh does)";
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail(missing);
            }
            Assumptions.abort(missing);
        }
        return found.get();
    }

    private static String starterMarts() throws IOException {
        try (InputStream in = DocsJobTest.class.getClassLoader().getResourceAsStream(MARTS_YML)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
