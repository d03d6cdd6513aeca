package dev.decode.runner.limits;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;

/**
 * Counts shared by every instance through Redis: all windows of a check are decided atomically by one script
 * ({@link GcraScript}). A check made on an event loop (every request's) travels in a batch with the other checks of
 * that loop ({@link CheckBatcher}), so that under load one round trip carries many checks. A check made elsewhere
 * (start-up, a worker) goes alone through a small pooled client.
 */
final class RedisRateStore implements RateStore {

    private final Vertx vertx;
    private final String url;
    private final GcraScript script;
    private final LimitsClock clock;
    private final long timeoutMillis;
    /** One per event-loop thread: a bounded set, known once every loop has served a request. */
    private final Map<Thread, CheckBatcher> batchers = new ConcurrentHashMap<>();
    private final AtomicInteger loops = new AtomicInteger();
    /** Pings, the script's loading, and checks from outside an event loop. */
    private final Redis shared;

    RedisRateStore(Vertx vertx, String url, String keyPrefix, LimitsClock clock, Duration timeout) {
        this.vertx = vertx;
        this.url = url;
        this.script = new GcraScript(keyPrefix);
        this.clock = clock;
        this.timeoutMillis = timeout.toMillis();
        this.shared = Redis.createClient(vertx, new RedisOptions().setConnectionString(url).setMaxPoolSize(2)
                .setPoolName("rate-limits-shared"));
    }

    @Override
    public void consume(String principal, List<Window> windows, BiConsumer<List<Verdict>, Throwable> answer) {
        Context caller = Vertx.currentContext();
        if (caller != null && caller.isEventLoopContext() && Context.isOnEventLoopThread()) {
            batcherOf(caller).submit(new PendingCheck(principal, windows, caller, answer));
        } else {
            alone(new PendingCheck(principal, windows, caller, answer));
        }
    }

    Uni<Void> ping() {
        return Uni.createFrom().emitter(emitter -> {
            long timer = vertx.setTimer(timeoutMillis, id -> emitter.fail(new TimeoutException()));
            shared.send(Request.cmd(Command.PING)).onComplete(reply -> {
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
     * Loads the script, so that the first checks need no second round trip for it. Its outcome matters to no one: a
     * check sends the script's text itself when Redis does not know it.
     */
    void warmUp() {
        shared.send(script.load());
    }

    void close() {
        batchers.values().forEach(CheckBatcher::close);
        shared.close();
    }

    private CheckBatcher batcherOf(Context caller) {
        CheckBatcher batcher = batchers.get(Thread.currentThread());
        return batcher != null ? batcher : batchers.computeIfAbsent(Thread.currentThread(), thread -> {
            // Its own pool name, so that each loop's client has metrics of its own rather than clashing ones.
            String name = "rate-limits-" + loops.getAndIncrement();
            return new CheckBatcher(VertxContext.getRootContext(caller), () -> newClient(name), script, clock, timeoutMillis);
        });
    }

    private Redis newClient(String poolName) {
        return Redis.createClient(vertx, new RedisOptions().setConnectionString(url).setMaxPoolSize(1).setPoolName(poolName));
    }

    /** A batch of one through the shared client; the first of its answer and the timeout wins. */
    private void alone(PendingCheck check) {
        List<GcraScript.Run> runs = GcraScript.runs(List.of(check));
        long nowMicros = clock.nowMicros();
        AtomicBoolean answered = new AtomicBoolean();
        long timer = vertx.setTimer(timeoutMillis, id -> {
            if (answered.compareAndSet(false, true)) {
                check.fail(new TimeoutException());
            }
        });
        send(runs, nowMicros, false, (verdicts, failure) -> {
            if (answered.compareAndSet(false, true)) {
                vertx.cancelTimer(timer);
                if (failure == null) {
                    check.complete(verdicts);
                } else {
                    check.fail(failure);
                }
            }
        });
    }

    private void send(List<GcraScript.Run> runs, long nowMicros, boolean withSource, BiConsumer<List<Verdict>, Throwable> answer) {
        shared.send(script.request(runs, nowMicros, withSource)).onComplete(reply -> {
            if (reply.failed() && !withSource && GcraScript.isNoScript(reply.cause())) {
                send(runs, nowMicros, true, answer); // NOSCRIPT ran nothing, so the check may go again
            } else if (reply.failed()) {
                answer.accept(null, reply.cause());
            } else {
                List<Verdict> verdicts;
                try {
                    verdicts = GcraScript.verdicts(reply.result(), runs).get(0);
                } catch (RuntimeException unexpectedReply) {
                    answer.accept(null, unexpectedReply);
                    return;
                }
                answer.accept(verdicts, null);
            }
        });
    }
}
