package dev.decode.runner.limits;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.management.OperatingSystemMXBean;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * The CPU cost of one Redis limits check without HTTP around it: on each of the event loops, a number of callers that
 * each start their next check when the last is answered (as requests in flight would), for a few seconds. Prints
 * checks per second and the CPU time per check of this JVM and of redis-server (INFO cpu, so anything else using that
 * Redis counts too). Run by bench/limits-micro.sh with REDIS=1.
 */
public final class RedisCheckBench {

    public static void main(String[] args) throws Exception {
        String url = System.getenv().getOrDefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379");
        int loops = Integer.parseInt(System.getenv().getOrDefault("LOOPS", "4"));
        long seconds = Long.parseLong(System.getenv().getOrDefault("SECONDS_PER_RUN", "5"));
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        RedisRateStore store = new RedisRateStore(vertx, url, "bench-" + ProcessHandle.current().pid() + ':',
                new LimitsClock(), Duration.ofSeconds(5));
        List<Window> windows = List.of(Window.perMinute(Window.REQUESTS, 1_000_000_000));
        CompletableFuture<Void> first = new CompletableFuture<>();
        store.consume("user:bench", windows, (verdicts, failure) -> first.complete(null));
        first.get(5, TimeUnit.SECONDS);
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int callers : new int[] {1, 4, 16, 1, 4, 16}) {
            AtomicLong checks = new AtomicLong();
            long until = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            CountDownLatch done = new CountDownLatch(loops * callers);
            long cpuBefore = os.getProcessCpuTime();
            long redisBefore = redisCpuMicros(url);
            long start = System.nanoTime();
            // One verticle instance per event loop, each starting its callers on its own loop.
            String deployment = vertx.deployVerticle(() -> new AbstractVerticle() {
                @Override
                public void start() {
                    for (int i = 0; i < callers; i++) {
                        next(store, windows, checks, until, done);
                    }
                }
            }, new DeploymentOptions().setInstances(loops)).toCompletionStage().toCompletableFuture().get();
            done.await();
            vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().get();
            double elapsed = (System.nanoTime() - start) / 1e9;
            long n = checks.get();
            System.out.printf("%d loops x %2d callers: %8.0f checks/s  JVM %5.1f µs/check  redis-server %5.1f µs/check%n",
                    loops, callers, n / elapsed, (os.getProcessCpuTime() - cpuBefore) / 1e3 / n,
                    (redisCpuMicros(url) - redisBefore) / (double) n);
        }
        store.close();
        vertx.close();
    }

    private static void next(RedisRateStore store, List<Window> windows, AtomicLong checks, long until, CountDownLatch done) {
        if (System.nanoTime() > until) {
            done.countDown();
            return;
        }
        store.consume("user:bench", windows, (verdicts, failure) -> {
            if (failure != null) {
                failure.printStackTrace();
                done.countDown();
                return;
            }
            checks.incrementAndGet();
            next(store, windows, checks, until, done);
        });
    }

    private static long redisCpuMicros(String url) throws IOException, InterruptedException {
        Process cli = new ProcessBuilder("redis-cli", "-u", url, "info", "cpu").start();
        String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        cli.waitFor();
        double seconds = out.lines().filter(line -> line.matches("used_cpu_(sys|user):.*"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.indexOf(':') + 1).strip())).sum();
        return (long) (seconds * 1e6);
    }
}
