package dev.decode.runner.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The artifact this build packaged, started as its own process the way operators start it: the JVM application
 * (target/quarkus-app) or the native executable, whichever target/quarkus-artifact.properties names, the executable
 * with the flags of its container image (the CMD of src/main/docker/Dockerfile.native).
 */
public final class PackagedApp implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Path TARGET = Path.of("target").toAbsolutePath();
    private static final Pattern IMAGE_CMD = Pattern.compile("(?m)^CMD \\[(.*)]\\s*$");

    private final Process process;
    private final Path log;
    public final int port;

    private PackagedApp(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** Starts the app with the test database and the given extra environment, and waits until it is ready. */
    public static PackagedApp start(Path workDir, Map<String, String> environment) throws IOException {
        int port = freePort();
        Path log = Files.createTempFile(workDir, "app-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command()).directory(TARGET.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.remove("RUNNER_ADMIN_TOKEN");
        env.putIfAbsent("DATABASE_URL", "postgres://decode_runner:decode_runner@127.0.0.1:5432/decode_runner_test");
        env.put("PORT", Integer.toString(port));
        env.putAll(environment);
        PackagedApp app = new PackagedApp(builder.start(), log, port);
        try {
            app.awaitReady();
        } catch (RuntimeException e) {
            app.process.destroyForcibly();
            throw e;
        }
        return app;
    }

    /** True when this build packaged the native executable. */
    public static boolean isNative() throws IOException {
        return "native".equals(artifact().getProperty("type"));
    }

    public long pid() {
        return process.pid();
    }

    private static List<String> command() throws IOException {
        Properties artifact = artifact();
        String type = artifact.getProperty("type");
        if ("native".equals(type)) {
            List<String> command = new ArrayList<>();
            command.add(TARGET.resolve(artifact.getProperty("path")).toString());
            command.addAll(imageFlags());
            return command;
        }
        if ("jar".equals(type)) {
            return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", TARGET.resolve(artifact.getProperty("path")).toString());
        }
        throw new IllegalStateException("target/quarkus-artifact.properties names no runnable artifact (type=" + type + ")");
    }

    private static Properties artifact() throws IOException {
        Properties artifact = new Properties();
        try (var in = Files.newInputStream(TARGET.resolve("quarkus-artifact.properties"))) {
            artifact.load(in);
        }
        return artifact;
    }

    /** The executable's arguments in the image, bound to the loopback: the image listens on every address. */
    private static List<String> imageFlags() throws IOException {
        Matcher cmd = IMAGE_CMD.matcher(Files.readString(Path.of("src/main/docker/Dockerfile.native")));
        if (!cmd.find()) {
            throw new IllegalStateException("Dockerfile.native has no CMD [...] line");
        }
        List<String> flags = new ArrayList<>();
        for (String part : cmd.group(1).split(",")) {
            flags.add(part.trim().replaceAll("^\"|\"$", ""));
        }
        flags.remove(0);
        flags.replaceAll(flag -> flag.startsWith("-Dquarkus.http.host=") ? "-Dquarkus.http.host=127.0.0.1" : flag);
        return flags;
    }

    private void awaitReady() {
        PackagedApp app = this;
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptionsInstanceOf(IOException.class).until(() -> {
            if (!app.process.isAlive()) {
                throw new IllegalStateException("the service exited during start-up:\n" + app.log());
            }
            return app.get("/q/health/ready", null).statusCode() == 200;
        });
    }

    public HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET(), token);
    }

    public HttpResponse<String> postJson(String path, String json, String token) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)), token);
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    public Duration stop() throws InterruptedException {
        long start = System.nanoTime();
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("the service did not stop within 30 s of SIGTERM");
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String token) throws IOException, InterruptedException {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
