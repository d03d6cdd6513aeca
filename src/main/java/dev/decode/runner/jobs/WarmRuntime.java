package dev.decode.runner.jobs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * The warm dbt runtime ({@code dbt/warm_runtime.py}): one Python process that imported dbt once and forks a child per
 * job, so that a job neither waits for Python to import dbt (most of a plain dbt's start-up) nor holds its own copy of
 * those modules (its pages stay shared with the runtime's until written). Each child is what a plain job's dbt is: the
 * leader of its own process group under the job's limits, confinement and environment, its output on a connection of
 * its own (a Unix socket the service listens on for that job only), its exit code reported by the runtime. While the
 * runtime starts, after it died (it is started again) or where it cannot start, jobs run as plain processes, and
 * readiness says which. It is replaced when the packages installed beside dbt change.
 */
@ApplicationScoped
class WarmRuntime {

    private static final Logger LOG = Logger.getLogger(WarmRuntime.class);
    /** A fork answers in milliseconds; a runtime silent this long is taken for hung. */
    private static final long ANSWER_WAIT_SECONDS = 10;
    private static final Duration MAX_RESTART_DELAY = Duration.ofSeconds(30);
    private static final String STALE = "stale";

    /**
     * What the runtime needs to fork one job's dbt, besides the connection its output goes to; the child writes its exit
     * code to {@code exitFile} as it exits, which counts when the runtime that reports it is gone.
     */
    record Fork(String job, List<String> args, Path cwd, Map<String, String> env, List<String> pythonPath,
            Map<String, Long> limits, Map<String, List<String>> confine, Path exitFile) {
    }

    private final JobsConfig config;
    private final ObjectMapper json;
    private final String script = DbtResources.text("warm_runtime.py");
    private final String confineScript = DbtResources.text("confine.py");
    private final AtomicLong connections = new AtomicLong();
    private volatile Path python;
    private volatile Map<String, String> environment;
    private volatile Path home;
    /** The runtime that takes jobs; null while none is ready. */
    private volatile Worker ready;
    private volatile String state = "plain: the warm runtime has not started";
    private volatile boolean stopping;
    private int failedStarts;

    WarmRuntime(JobsConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    void start(@Observes StartupEvent event, DbtLauncher launcher) {
        if (!config.warmRuntime()) {
            state = "plain: runner.jobs.warm-runtime is off";
            return;
        }
        Optional<Path> dbt = launcher.executable();
        if (dbt.isEmpty()) {
            state = "plain: no dbt executable";
            return;
        }
        try {
            home = Files.createTempDirectory("decode-dbt-");
        } catch (IOException e) {
            state = "plain: no folder for the runtime (" + e.getMessage() + ")";
            return;
        }
        python = Confinement.python(dbt.get());
        environment = DbtLauncher.environment(dbt.get(), home);
        startAfter(Duration.ZERO);
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        Worker worker = ready;
        if (worker != null) {
            worker.retire();
        }
    }

    /** Whether the next job forks from a runtime. */
    boolean ready() {
        return ready != null;
    }

    /** How jobs run now, for readiness: "warm: ..." or "plain: why". */
    String state() {
        return state;
    }

    /**
     * Blocking: the job's dbt forked from the runtime, or empty when no runtime is ready or the ready one refused (the
     * job then runs as a plain process). Fails when the runtime took the request but did not answer it: a child may
     * then exist, and the job must not run twice.
     */
    Optional<DbtProcess> fork(Fork fork) throws IOException, InterruptedException {
        Worker worker = ready;
        if (worker == null) {
            return Optional.empty();
        }
        // A cleaner of /tmp may have taken the folder while the service ran for days.
        Path socket = Files.createDirectories(home).resolve(connections.incrementAndGet() + ".sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket), 1);
            server.configureBlocking(false);
            Worker.Pending pending;
            try {
                pending = worker.send(fork.job(), request(fork, socket));
            } catch (IOException e) {
                // The runtime is gone or was retired as this job came; a request it did not read forked nothing.
                LOG.infof("Warm dbt runtime took no request id=%s reason=%s", fork.job(), e.toString());
                return Optional.empty();
            }
            JsonNode answer;
            try {
                answer = pending.answer().get(ANSWER_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                worker.kill("it did not answer a fork in " + ANSWER_WAIT_SECONDS + " s");
                throw new IOException("the warm dbt runtime did not answer");
            } catch (ExecutionException e) {
                throw new IOException("the warm dbt runtime failed", e.getCause());
            }
            if (answer == null) {
                throw new IOException("the warm dbt runtime ended while it forked the job");
            }
            if (answer.has("refused")) {
                String reason = answer.get("refused").asText();
                LOG.infof("Warm dbt runtime refused a job id=%s reason=%s", fork.job(), reason);
                if (STALE.equals(reason)) {
                    replace(worker);
                }
                return Optional.empty();
            }
            return Optional.of(new Forked(answer.get("pid").asLong(), accept(server, pending.exit()), pending.exit(), fork.exitFile()));
        } finally {
            Files.deleteIfExists(socket);
        }
    }

    private ObjectNode request(Fork fork, Path socket) {
        ObjectNode request = json.createObjectNode().put("job", fork.job()).put("cwd", fork.cwd().toString())
                .put("output", socket.toString()).put("exit", fork.exitFile().toString());
        request.set("args", json.valueToTree(fork.args()));
        request.set("env", json.valueToTree(fork.env()));
        request.set("path", json.valueToTree(fork.pythonPath()));
        request.set("limits", json.valueToTree(fork.limits()));
        request.set("confine", json.valueToTree(fork.confine()));
        return request;
    }

    /**
     * The child connects before the runtime reports it, so the connection is normally waiting; a child that died before
     * it connected has no output, which its reported exit shows.
     */
    private static SocketChannel accept(ServerSocketChannel server, CompletableFuture<Integer> exit)
            throws IOException, InterruptedException {
        while (true) {
            boolean ended = exit.isDone();
            SocketChannel connection = server.accept();
            if (connection != null || ended) {
                if (connection != null) {
                    connection.configureBlocking(true);
                }
                return connection;
            }
            Thread.sleep(5);
        }
    }

    /** The runtime is retired (it ends once its children have) and a new one starts now. */
    private void replace(Worker stale) {
        synchronized (this) {
            if (ready != stale) {
                return;
            }
            ready = null;
            state = "plain: the installed packages changed; the warm runtime starts again";
        }
        stale.retire();
        startAfter(Duration.ZERO);
    }

    private void startAfter(Duration delay) {
        Thread starter = new Thread(() -> {
            try {
                Thread.sleep(delay.toMillis());
                if (!stopping) {
                    launch();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "dbt-runtime-start");
        starter.setDaemon(true);
        starter.start();
    }

    private void launch() {
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            failed("has no folder (" + e.getMessage() + ")");
            return;
        }
        ProcessBuilder builder = new ProcessBuilder(python.toString(), "-I", "-c", script, confineScript)
                .directory(home.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().clear();
        builder.environment().putAll(environment);
        Worker worker;
        try {
            worker = new Worker(builder.start());
        } catch (IOException e) {
            failed("could not start it (" + e.getMessage() + ")");
            return;
        }
        Thread reader = new Thread(worker::read, "dbt-runtime-" + worker.process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    private synchronized void becameReady(Worker worker, String dbtVersion, long startMillis) {
        if (stopping) {
            worker.retire();
            return;
        }
        failedStarts = 0;
        ready = worker;
        state = "warm: dbt " + dbtVersion + ", pid " + worker.process.pid();
        LOG.infof("Warm dbt runtime ready pid=%d dbt=%s startMillis=%d", worker.process.pid(), dbtVersion, startMillis);
    }

    private synchronized void ended(Worker worker, Integer exitCode) {
        boolean wasReady = ready == worker;
        if (wasReady) {
            ready = null;
        }
        if (stopping || worker.retired) {
            return;
        }
        failed((wasReady ? "it ended" : "it ended before it was ready") + " (exit code " + exitCode + ")");
    }

    private synchronized void failed(String reason) {
        Duration delay = Duration.ofSeconds(1L << Math.min(failedStarts++, 5));
        delay = delay.compareTo(MAX_RESTART_DELAY) > 0 ? MAX_RESTART_DELAY : delay;
        state = "plain: the warm runtime " + reason + "; it starts again in " + delay.toSeconds() + " s";
        LOG.warnf("Warm dbt runtime unavailable, jobs run as plain processes reason=%s restartInSeconds=%d", reason, delay.toSeconds());
        startAfter(delay);
    }

    /** One runtime process: its requests out, its answers in, by job. */
    private final class Worker {

        record Pending(CompletableFuture<JsonNode> answer, CompletableFuture<Integer> exit) {
        }

        private final Process process;
        private final OutputStream requests;
        private final Map<String, Pending> pending = new ConcurrentHashMap<>();
        private final long startedAt = System.nanoTime();
        private volatile boolean retired;

        Worker(Process process) {
            this.process = process;
            this.requests = process.getOutputStream();
        }

        Pending send(String job, ObjectNode request) throws IOException {
            Pending waiting = new Pending(new CompletableFuture<>(), new CompletableFuture<>());
            pending.put(job, waiting);
            try {
                synchronized (requests) {
                    requests.write(json.writeValueAsBytes(request));
                    requests.write('\n');
                    requests.flush();
                }
            } catch (IOException e) {
                pending.remove(job);
                throw e;
            }
            return waiting;
        }

        /** No more jobs: the runtime ends once its children have. */
        void retire() {
            retired = true;
            try {
                requests.close();
            } catch (IOException e) {
                process.destroyForcibly();
            }
        }

        void kill(String reason) {
            LOG.warnf("Warm dbt runtime killed pid=%d reason=%s", process.pid(), reason);
            process.destroyForcibly();
        }

        /** Runs on the runtime's own thread until its answers end. */
        void read() {
            try (BufferedReader answers = process.inputReader(StandardCharsets.UTF_8)) {
                String line;
                while ((line = answers.readLine()) != null) {
                    answer(json.readTree(line));
                }
            } catch (IOException e) {
                LOG.warnf("Lost the warm dbt runtime's answers pid=%d reason=%s", process.pid(), e.toString());
            }
            pending.values().forEach(waiting -> {
                waiting.answer().complete(null);
                waiting.exit().complete(null);
            });
            Integer exitCode = null;
            try {
                process.destroyForcibly();
                exitCode = process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ended(this, exitCode);
        }

        private void answer(JsonNode answer) {
            if (answer.has("ready")) {
                becameReady(this, answer.get("ready").asText(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
                return;
            }
            String job = answer.path("job").asText();
            Pending waiting = pending.get(job);
            if (waiting == null) {
                return;
            }
            if (answer.has("exit")) {
                pending.remove(job);
                waiting.exit().complete(answer.get("exit").asInt());
            } else {
                if (answer.has("refused")) {
                    pending.remove(job);
                }
                waiting.answer().complete(answer);
            }
        }
    }

    /**
     * A child of the runtime: its output is its connection, its exit code what the runtime reported or, when the runtime
     * ended first, what the child wrote as it exited (none when a signal killed it).
     */
    private record Forked(long pid, SocketChannel connection, CompletableFuture<Integer> exit, Path exitFile) implements DbtProcess {

        @Override
        public InputStream output() {
            return connection == null ? InputStream.nullInputStream() : Channels.newInputStream(connection);
        }

        @Override
        public Integer waitFor() throws InterruptedException {
            try {
                Integer reported = exit.get();
                if (reported != null) {
                    return reported;
                }
            } catch (ExecutionException e) {
                // as when the runtime ended: read what the child wrote
            }
            while (!ProcessGroups.members(pid).isEmpty()) {
                Thread.sleep(20);
            }
            try {
                return Integer.valueOf(Files.readString(exitFile).strip());
            } catch (IOException | NumberFormatException e) {
                return null;
            }
        }
    }
}
