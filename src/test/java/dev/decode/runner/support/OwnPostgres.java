package dev.decode.runner.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A PostgreSQL cluster of the test's own (initdb in a temporary directory, run as the postgres user, on its own port),
 * so that a test can stop and start the service's database without touching the shared server on 5432.
 */
public final class OwnPostgres implements QuarkusTestResourceLifecycleManager {

    public static final int PORT = 5491;
    private static Path directory;

    @Override
    public Map<String, String> start() {
        try {
            directory = Files.createTempDirectory("decode-pg-");
            run("chown", "postgres", directory.toString());
            asPostgres("initdb", "-D", data(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
            startServer();
            asPostgres("psql", "-h", "127.0.0.1", "-p", Integer.toString(PORT), "-U", "postgres", "-v", "ON_ERROR_STOP=1",
                    "-c", "create role decode_runner login password 'decode_runner'",
                    "-c", "create database decode_runner owner decode_runner");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a PostgreSQL cluster on port " + PORT, e);
        }
        String address = "127.0.0.1:" + PORT + "/decode_runner";
        return Map.of("quarkus.datasource.reactive.url", "postgresql://" + address,
                "quarkus.datasource.username", "decode_runner",
                "quarkus.datasource.password", "decode_runner");
    }

    /** Starts the server and waits until it accepts connections. */
    public static void startServer() {
        asPostgres("pg_ctl", "-D", data(), "-l", directory.resolve("server.log").toString(), "-w", "-o",
                "-p " + PORT + " -c listen_addresses=127.0.0.1 -k " + directory + " -c fsync=off", "start");
    }

    /** Stops the server the way an operator's restart does: open connections are ended, new ones refused. */
    public static void stopServer() {
        asPostgres("pg_ctl", "-D", data(), "-m", "fast", "-w", "stop");
    }

    @Override
    public void stop() {
        if (directory == null) {
            return;
        }
        try {
            asPostgres("pg_ctl", "-D", data(), "-m", "immediate", "-w", "stop");
        } catch (IllegalStateException alreadyStopped) {
            // the test left it stopped
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + directory, e);
        }
        directory = null;
    }

    private static String data() {
        return directory.resolve("data").toString();
    }

    private static void asPostgres(String... command) {
        List<String> line = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        line.addAll(List.of(command));
        run(line.toArray(String[]::new));
    }

    private static void run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(" ", command) + " could not run", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(String.join(" ", command) + " was interrupted", e);
        }
    }
}
