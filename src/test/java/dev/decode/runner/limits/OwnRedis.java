package dev.decode.runner.limits;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

/** A redis-server child process on its own port, so a test can stop it without touching the shared one on 6379. */
public final class OwnRedis implements AutoCloseable {

    public static final int PORT = 6390;

    private final int port;
    private Process process;

    public OwnRedis() {
        this(PORT);
    }

    public OwnRedis(int port) {
        this.port = port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public OwnRedis start() {
        try {
            process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--daemonize", "no")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start redis-server on port " + port, e);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(this::accepting);
        return this;
    }

    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            process = null;
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !accepting());
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private boolean accepting() {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
