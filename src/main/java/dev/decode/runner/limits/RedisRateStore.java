package dev.decode.runner.limits;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Counts shared by every instance through Redis. Each check is one EVALSHA of the script below (EVAL once after a
 * Redis restart emptied its script cache): one atomic round trip for all windows of a request. The script is GCRA,
 * the generic cell rate algorithm, which decides exactly as the in-memory token buckets do (capacity {@code limit},
 * refilled continuously) while storing one number per key, and every key expires when its bucket would be full.
 */
final class RedisRateStore implements RateStore {

    /*
     * KEYS: one per window. ARGV[1]: now (µs). ARGV[2i], ARGV[2i+1]: window i's interval (µs per request) and limit.
     * A key holds the theoretical arrival time (TAT) of the next request; a request fits when TAT + interval lies
     * within capacity (limit * interval) of now. Returns four integers per window: allowed (0/1), remaining,
     * microseconds until the window is full again, microseconds until the next request fits.
     */
    static final String SCRIPT = """
            local now = tonumber(ARGV[1])
            local tats, intervals, capacities, all_fit = {}, {}, {}, true
            for i = 1, #KEYS do
              intervals[i] = tonumber(ARGV[2 * i])
              capacities[i] = intervals[i] * tonumber(ARGV[2 * i + 1])
              tats[i] = math.max(tonumber(redis.call('GET', KEYS[i])) or now, now)
              if tats[i] + intervals[i] - now > capacities[i] then all_fit = false end
            end
            local out = {}
            for i = 1, #KEYS do
              local next_tat = tats[i] + intervals[i]
              local fits = next_tat - now <= capacities[i]
              local held = tats[i]
              if all_fit then
                held = next_tat
                redis.call('SET', KEYS[i], string.format('%d', held), 'PX', math.ceil((held - now) / 1000))
              end
              out[4 * i - 3] = fits and 1 or 0
              out[4 * i - 2] = math.max(0, math.floor((capacities[i] - (held - now)) / intervals[i]))
              out[4 * i - 1] = held - now
              out[4 * i] = fits and 0 or (next_tat - now - capacities[i])
            end
            return out
            """;
    static final String SHA = sha1(SCRIPT);

    private final Vertx vertx;
    private final Redis redis;
    private final String keyPrefix;
    private final LimitsClock clock;
    private final Duration timeout;

    RedisRateStore(Vertx vertx, Redis redis, String keyPrefix, LimitsClock clock, Duration timeout) {
        this.vertx = vertx;
        this.redis = redis;
        this.keyPrefix = keyPrefix;
        this.clock = clock;
        this.timeout = timeout;
    }

    @Override
    public Uni<List<Verdict>> consume(String principal, List<Window> windows) {
        long now = clock.nowMicros();
        return send(script(Command.EVALSHA, SHA, principal, windows, now))
                .onFailure(RedisRateStore::isNoScript).recoverWithUni(() -> send(script(Command.EVAL, SCRIPT, principal, windows, now)))
                .map(reply -> verdicts(reply, windows));
    }

    Uni<Void> ping() {
        return send(Request.cmd(Command.PING)).replaceWithVoid();
    }

    private Uni<Response> send(Request request) {
        // A Vert.x timer lives on the caller's event loop; Mutiny's ifNoItem() would wake a scheduler thread per check.
        return Uni.createFrom().emitter(emitter -> {
            long timer = vertx.setTimer(timeout.toMillis(), id -> emitter.fail(new TimeoutException()));
            redis.send(request).subscribe().with(reply -> {
                vertx.cancelTimer(timer);
                emitter.complete(reply);
            }, failure -> {
                vertx.cancelTimer(timer);
                emitter.fail(failure);
            });
        });
    }

    private Request script(Command command, String script, String principal, List<Window> windows, long now) {
        Request request = Request.cmd(command).arg(script).arg(windows.size());
        windows.forEach(window -> request.arg(keyPrefix + window.name() + ':' + principal));
        request.arg(now);
        windows.forEach(window -> request.arg(window.intervalMicros()).arg(window.limit()));
        return request;
    }

    private static List<Verdict> verdicts(Response reply, List<Window> windows) {
        List<Verdict> verdicts = new ArrayList<>(windows.size());
        for (int i = 0; i < windows.size(); i++) {
            verdicts.add(new Verdict(windows.get(i), reply.get(4 * i).toInteger() == 1, reply.get(4 * i + 1).toLong(),
                    reply.get(4 * i + 2).toLong(), reply.get(4 * i + 3).toLong()));
        }
        return verdicts;
    }

    private static boolean isNoScript(Throwable failure) {
        return failure.getMessage() != null && failure.getMessage().startsWith("NOSCRIPT");
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every Java runtime", e);
        }
    }
}
