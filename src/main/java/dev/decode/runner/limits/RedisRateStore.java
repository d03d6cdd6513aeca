package dev.decode.runner.limits;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;

/**
 * Counts shared by every instance through Redis: all windows of a check are decided atomically by one script
 * ({@link GcraScript}), and the checks of each event loop travel in batches ({@link CheckBatcher}), so that under load
 * one round trip carries many checks. A check from outside an event loop (tests, start-up) is handed to one.
 */
final class RedisRateStore implements RateStore {

    private final VertxInternal vertx;
    private final String url;
    private final GcraScript script;
    private final LimitsClock clock;
    private final Duration timeout;
    private final Map<EventLoop, CheckBatcher> batchers = new ConcurrentHashMap<>();
    private final AtomicInteger loops = new AtomicInteger();
    /** For readiness only: checks use their loop's own connection. */
    private final Redis pings;

    RedisRateStore(Vertx vertx, String url, String keyPrefix, LimitsClock clock, Duration timeout) {
        this.vertx = (VertxInternal) vertx;
        this.url = url;
        this.script = new GcraScript(keyPrefix);
        this.clock = clock;
        this.timeout = timeout;
        this.pings = Redis.createClient(vertx, new RedisOptions().setConnectionString(url).setMaxPoolSize(1));
    }

    @Override
    public void consume(String principal, List<Window> windows, BiConsumer<List<Verdict>, Throwable> answer) {
        ContextInternal caller = ContextInternal.current();
        PendingCheck check = new PendingCheck(principal, windows, caller, answer);
        if (caller != null && caller.isEventLoopContext() && caller.inThread()) {
            batcherOf(caller).submit(check);
        } else {
            ContextInternal loop = vertx.createEventLoopContext();
            loop.runOnContext(ignored -> batcherOf(loop).submit(check));
        }
    }

    Uni<Void> ping() {
        return Uni.createFrom().emitter(emitter -> {
            long timer = vertx.setTimer(timeout.toMillis(), id -> emitter.fail(new TimeoutException()));
            pings.send(Request.cmd(Command.PING)).onComplete(reply -> {
                vertx.cancelTimer(timer);
                if (reply.succeeded()) {
                    emitter.complete(null);
                } else {
                    emitter.fail(reply.cause());
                }
            });
        });
    }

    /**
     * Sends a check of no window from every event loop: it opens the loop's connection and loads the script, so that
     * the first requests neither wait for that nor, on a cold JVM, time out on it. Its outcome matters to no one.
     */
    void warmUpEveryLoop() {
        for (EventExecutor executor : vertx.nettyEventLoopGroup()) {
            ContextInternal loop = vertx.createEventLoopContext((EventLoop) executor, vertx.getWorkerPool(),
                    Thread.currentThread().getContextClassLoader());
            loop.runOnContext(ignored -> consume("warm-up", List.of(), (verdicts, failure) -> { }));
        }
    }

    void close() {
        batchers.values().forEach(CheckBatcher::close);
        pings.close();
    }

    private CheckBatcher batcherOf(ContextInternal context) {
        CheckBatcher batcher = batchers.get(context.nettyEventLoop());
        return batcher != null ? batcher : batchers.computeIfAbsent(context.nettyEventLoop(), loop -> {
            // Its own pool name, so that each loop's client has metrics of its own rather than clashing ones.
            String name = "rate-limits-" + loops.getAndIncrement();
            return new CheckBatcher(context.unwrap(), () -> newClient(name), script, clock, timeout.toMillis());
        });
    }

    private Redis newClient(String poolName) {
        return Redis.createClient(vertx, new RedisOptions().setConnectionString(url).setMaxPoolSize(1).setPoolName(poolName));
    }
}
