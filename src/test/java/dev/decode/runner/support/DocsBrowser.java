package dev.decode.runner.support;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import com.sun.net.httpserver.HttpServer;

import dev.decode.runner.platform.UserDirectories;
import io.restassured.response.Response;

/**
 * Renders a job's docs page in headless Chromium (Debian's {@code chromium}, which {@code scripts/test.sh} installs)
 * and reads what it drew. Missing, the calling test fails in CI ({@code CI=true}) and is skipped elsewhere.
 */
public final class DocsBrowser {

    /** The fill colours of dbt's lineage graph: models, and sources (which nothing else on the page uses). */
    public static final int MODEL_NODE = 0x0094b3;
    public static final int SOURCE_NODE = 0x5fb825;

    /** What Chromium left: the DOM after the page's scripts ran (scripts stripped), kept beside the screenshot. */
    public record Rendered(String dom, Path domFile, Path screenshot) {

        /** Whether the page shows {@code text} as the whole text of an element. */
        public boolean showsElement(String text) {
            return Pattern.compile(">\\s*" + Pattern.quote(text) + "\\s*<").matcher(dom).find();
        }

        /** Whether dbt's lineage graph is on the page and open, not folded away. */
        public boolean drawsLineageGraph() {
            Matcher canvas = Pattern.compile("data-id=\"layer2-node\" width=\"(\\d+)\" height=\"(\\d+)\"").matcher(dom);
            return Pattern.compile("id=\"cy\"[^>]*__________cytoscape_container").matcher(dom).find() && canvas.find()
                    && Integer.parseInt(canvas.group(1)) * Integer.parseInt(canvas.group(2)) > 100_000;
        }

        /** Pixels of the screenshot within a small distance of {@code rgb} (anti-aliasing leaves edges slightly off). */
        public long pixelsOf(int rgb) throws IOException {
            BufferedImage image = ImageIO.read(screenshot.toFile());
            return Arrays.stream(image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth()))
                    .filter(pixel -> near(pixel >> 16, rgb >> 16) && near(pixel >> 8, rgb >> 8) && near(pixel, rgb)).count();
        }
    }

    private DocsBrowser() {
    }

    /**
     * Chromium loads the page from a local server that answers with the body and headers the API sent, so that the
     * browser applies them as it would to the API's answer (the API wants a bearer token, which a browser's address
     * cannot carry). {@code name} names the files kept under {@code target/}: {@code name.png}, {@code name-dom.html}
     * and {@code name-chromium.log}.
     */
    public static Rendered render(Response page, String fragment, String name) throws Exception {
        Path chromium = chromium();
        Path screenshot = Path.of("target", name + ".png").toAbsolutePath();
        Path log = Path.of("target", name + "-chromium.log").toAbsolutePath();
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
        Files.deleteIfExists(screenshot);
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/docs" + fragment;
            Process process = new ProcessBuilder(chromium.toString(), "--headless", "--disable-gpu", "--no-sandbox",
                    "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars", "--user-data-dir=" + profile,
                    "--window-size=1400,1000", "--virtual-time-budget=15000", "--screenshot=" + screenshot, "--dump-dom", url)
                    .redirectError(log.toFile()).start();
            CompletableFuture<String> dom = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                Assertions.fail("Chromium did not finish within 2 minutes; its log: " + log);
            }
            assertThat(process.exitValue()).as("Chromium's exit code; its log: %s", log).isZero();
            assertThat(screenshot).as("Chromium's screenshot").isRegularFile();
            String rendered = dom.get(10, TimeUnit.SECONDS).replaceAll("(?s)<script\\b.*?</script>", "");
            Path domFile = Files.writeString(Path.of("target", name + "-dom.html").toAbsolutePath(), rendered);
            return new Rendered(rendered, domFile, screenshot);
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
}
