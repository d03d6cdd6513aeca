package dev.decode.runner.limits;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * The Lua script that decides a batch of checks in one atomic call, and how a batch is written to it and read back.
 * It is GCRA, the generic cell rate algorithm, which decides exactly as the in-memory token buckets do (capacity
 * {@code limit}, refilled continuously) while storing one number per key; every key expires when its bucket would be
 * full again.
 */
final class GcraScript {

    /*
     * KEYS: every window key of every check, in order. ARGV[1]: now (µs); then per check: its number of windows n and
     * n pairs of interval (µs per request) and limit. A key holds the theoretical arrival time (TAT) of the next
     * request; a request fits a window when TAT + interval lies within capacity (limit * interval) of now, and takes
     * from every window or none. Checks are decided in order, each seeing what the earlier ones took; each changed key
     * is written once at the end. Returns four integers per window per check: allowed (0/1), remaining, microseconds
     * until the window is full again, microseconds until the next request fits.
     */
    static final String TEXT = """
            local now = tonumber(ARGV[1])
            local tats, is_changed, changed, out = {}, {}, {}, {}
            local k, a = 0, 2
            while a <= #ARGV do
              local n = tonumber(ARGV[a])
              local intervals, capacities, all_fit = {}, {}, true
              for i = 1, n do
                local key = KEYS[k + i]
                intervals[i] = tonumber(ARGV[a + 2 * i - 1])
                capacities[i] = intervals[i] * tonumber(ARGV[a + 2 * i])
                if tats[key] == nil then tats[key] = math.max(tonumber(redis.call('GET', key)) or now, now) end
                if tats[key] + intervals[i] - now > capacities[i] then all_fit = false end
              end
              for i = 1, n do
                local key = KEYS[k + i]
                local next_tat = tats[key] + intervals[i]
                local fits = next_tat - now <= capacities[i]
                if all_fit then
                  if not is_changed[key] then
                    is_changed[key] = true
                    changed[#changed + 1] = key
                  end
                  tats[key] = next_tat
                end
                out[#out + 1] = fits and 1 or 0
                out[#out + 1] = math.max(0, math.floor((capacities[i] - (tats[key] - now)) / intervals[i]))
                out[#out + 1] = tats[key] - now
                out[#out + 1] = fits and 0 or (next_tat - now - capacities[i])
              end
              k, a = k + n, a + 1 + 2 * n
            end
            for _, key in ipairs(changed) do
              redis.call('SET', key, string.format('%d', tats[key]), 'PX', math.ceil((tats[key] - now) / 1000))
            end
            return out
            """;
    static final String SHA = sha1(TEXT);

    private final String keyPrefix;

    GcraScript(String keyPrefix) {
        this.keyPrefix = keyPrefix;
    }

    /** EVALSHA normally; EVAL once Redis answered NOSCRIPT (its script cache was emptied by a restart). */
    Request request(List<PendingCheck> checks, long nowMicros, boolean withSource) {
        int keys = 0;
        for (PendingCheck check : checks) {
            keys += check.windows().size();
        }
        Request request = withSource ? Request.cmd(Command.EVAL).arg(TEXT) : Request.cmd(Command.EVALSHA).arg(SHA);
        request.arg(keys);
        for (PendingCheck check : checks) {
            for (Window window : check.windows()) {
                request.arg(keyPrefix + window.name() + ':' + check.principal());
            }
        }
        request.arg(nowMicros);
        for (PendingCheck check : checks) {
            request.arg(check.windows().size());
            for (Window window : check.windows()) {
                request.arg(window.intervalMicros()).arg(window.limit());
            }
        }
        return request;
    }

    /** Each check's verdicts, one per window in the order it gave them. */
    static List<List<Verdict>> verdicts(Response reply, List<PendingCheck> checks) {
        List<List<Verdict>> all = new ArrayList<>(checks.size());
        int at = 0;
        for (PendingCheck check : checks) {
            List<Verdict> verdicts = new ArrayList<>(check.windows().size());
            for (Window window : check.windows()) {
                verdicts.add(new Verdict(window, reply.get(at).toInteger() == 1, reply.get(at + 1).toLong(),
                        reply.get(at + 2).toLong(), reply.get(at + 3).toLong()));
                at += 4;
            }
            all.add(verdicts);
        }
        return all;
    }

    static boolean isNoScript(Throwable failure) {
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
