package dev.decode.runner.limits;

import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import io.smallrye.mutiny.TimeoutException;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Response;

/**
 * One event loop's checks on their way to Redis, sent as a group commit. A check that arrives while nothing is in
 * flight goes out when the loop has finished its current round of work (with any other check that round brought);
 * checks that arrive while a batch is in flight wait for its answer, then go out together (up to {@link #MAX_BATCH}
 * per call), and the script decides each principal's checks in arrival order (see {@link GcraScript}). Under load a
 * round trip thus carries several checks; when idle, none waits. The loop has its own connection, opened on first use
 * and again after a failure, and every field is touched on the loop's thread only, so nothing is locked. {@code loop}
 * is a root context of that event loop: the batcher's own work never runs on a request's context.
 */
final class CheckBatcher {

    static final int MAX_BATCH = 64;

    private final Context loop;
    private final Supplier<Redis> clients;
    private final GcraScript script;
    private final LimitsClock clock;
    private final long timeoutMillis;
    private final ArrayDeque<PendingCheck> queued = new ArrayDeque<>();
    private final List<Batch> sent = new ArrayList<>();
    /** Null before the first check and after a failure; set while connecting, before {@link #connection}. */
    private Redis client;
    private RedisConnection connection;
    private boolean flushScheduled;

    CheckBatcher(Context loop, Supplier<Redis> clients, GcraScript script, LimitsClock clock, long timeoutMillis) {
        this.loop = loop;
        this.clients = clients;
        this.script = script;
        this.clock = clock;
        this.timeoutMillis = timeoutMillis;
    }

    /** On the loop's thread. */
    void submit(PendingCheck check) {
        queued.add(check);
        if (!flushScheduled && sent.isEmpty() && (client == null || connection != null)) {
            // After the rest of this loop's current round: requests that arrived in the same round go out together.
            flushScheduled = true;
            loop.runOnContext(ignored -> {
                flushScheduled = false;
                if (sent.isEmpty() && (client == null || connection != null)) {
                    flush();
                }
            });
        }
    }

    void close() {
        loop.runOnContext(ignored -> broken(new ConnectException("the rate limiter is closing")));
    }

    private void flush() {
        if (client == null) {
            connect();
            return;
        }
        while (!queued.isEmpty()) {
            List<PendingCheck> checks = new ArrayList<>(Math.min(queued.size(), MAX_BATCH));
            while (checks.size() < MAX_BATCH && !queued.isEmpty()) {
                checks.add(queued.poll());
            }
            Batch batch = new Batch(GcraScript.runs(checks), clock.nowMicros());
            sent.add(batch);
            batch.timer = loop.owner().setTimer(timeoutMillis, id -> {
                if (sent.contains(batch)) {
                    broken(new TimeoutException());
                }
            });
            send(batch, false);
        }
    }

    private void send(Batch batch, boolean withSource) {
        connection.send(script.request(batch.runs, batch.nowMicros, withSource))
                .onComplete(reply -> answered(batch, reply, withSource));
    }

    private void answered(Batch batch, AsyncResult<Response> reply, boolean withSource) {
        if (!sent.contains(batch)) {
            return; // given up on already: it timed out, or failed with its connection
        }
        if (reply.failed() && !withSource && GcraScript.isNoScript(reply.cause())) {
            send(batch, true); // NOSCRIPT ran nothing, so the same batch may go again
            return;
        }
        if (reply.failed()) {
            broken(reply.cause());
            return;
        }
        List<List<Verdict>> verdicts;
        try {
            verdicts = GcraScript.verdicts(reply.result(), batch.runs);
        } catch (RuntimeException unexpectedReply) {
            broken(unexpectedReply);
            return;
        }
        sent.remove(batch);
        loop.owner().cancelTimer(batch.timer);
        int answered = 0;
        for (GcraScript.Run run : batch.runs) {
            for (PendingCheck check : run.checks()) {
                check.complete(verdicts.get(answered++));
            }
        }
        if (sent.isEmpty() && connection != null && !queued.isEmpty()) {
            flush();
        }
    }

    private void connect() {
        Redis fresh = clients.get();
        client = fresh;
        long timer = loop.owner().setTimer(timeoutMillis, id -> {
            if (client == fresh && connection == null) {
                broken(new TimeoutException());
            }
        });
        // Opened from the loop's own context, so that the connection is not tied to the request that happened to open it.
        loop.runOnContext(ignored -> fresh.connect().onComplete(connected -> {
            loop.owner().cancelTimer(timer);
            if (client != fresh) {
                return; // given up on; closing the client closed its connection too
            }
            if (connected.failed()) {
                broken(connected.cause());
                return;
            }
            connection = connected.result()
                    .exceptionHandler(failure -> lost(fresh, failure))
                    .endHandler(ended -> lost(fresh, new ConnectException("Redis closed the connection")));
            flush();
        }));
    }

    private void lost(Redis of, Throwable failure) {
        if (client == of) {
            broken(failure);
        }
    }

    /** Every check sent or waiting falls back (see {@link RateLimiter}); the next check connects afresh. */
    private void broken(Throwable failure) {
        Redis old = client;
        client = null;
        connection = null;
        List<PendingCheck> waiting = new ArrayList<>();
        for (Batch batch : sent) {
            loop.owner().cancelTimer(batch.timer);
            batch.runs.forEach(run -> waiting.addAll(run.checks()));
        }
        sent.clear();
        waiting.addAll(queued);
        queued.clear();
        if (old != null) {
            old.close();
        }
        waiting.forEach(check -> check.fail(failure));
    }

    private static final class Batch {
        final List<GcraScript.Run> runs;
        final long nowMicros;
        long timer;

        Batch(List<GcraScript.Run> runs, long nowMicros) {
            this.runs = runs;
            this.nowMicros = nowMicros;
        }
    }
}
