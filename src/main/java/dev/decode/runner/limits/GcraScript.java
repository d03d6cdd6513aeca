package dev.decode.runner.limits;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * The Lua script that decides a batch of checks in one atomic call, and how a batch is written to it and read back.
 * It is GCRA, the generic cell rate algorithm, which decides exactly as the in-memory token buckets do (capacity
 * {@code limit}, refilled continuously) while storing one number per key; every key expires when its bucket would be
 * full again.
 *
 * <p>A batch goes to the script in runs: the checks of one principal against the same windows, in arrival order. The
 * script only counts how many of a run fit, and this class works out each check's verdict from that count, so that a
 * burst from one principal costs the script about as much as a single check.
 */
final class GcraScript {

    /*
     * KEYS: every window key of every run, in order. ARGV[1]: now (µs); then per run: its number of checks c, its number
     * of windows n and n pairs of interval (µs per request) and limit. A key holds the theoretical arrival time (TAT) of
     * the next request; the j-th check of a run fits a window when TAT + j * interval lies within capacity (limit *
     * interval) of now, and takes from every window or none, so the first `allowed` checks fit and the rest are refused
     * without taking anything. Runs of one principal are decided in order, each seeing what the earlier ones took; each
     * changed key is written once at the end. Returns per run: allowed, then per window its TAT - now before the run.
     */
    static final String TEXT = """
            local now = tonumber(ARGV[1])
            local tats, is_changed, changed, out = {}, {}, {}, {}
            local k, a, last = 0, 2, #ARGV
            while a <= last do
              local n = tonumber(ARGV[a + 1])
              local allowed, at = tonumber(ARGV[a]), #out + 1
              for i = 1, n do
                local key = KEYS[k + i]
                if tats[key] == nil then tats[key] = math.max(tonumber(redis.call('GET', key)) or now, now) end
                local interval = tonumber(ARGV[a + 2 * i])
                local fit = math.floor((interval * tonumber(ARGV[a + 2 * i + 1]) - (tats[key] - now)) / interval)
                if fit < allowed then allowed = math.max(fit, 0) end
                out[at + i] = tats[key] - now
              end
              out[at] = allowed
              if allowed > 0 then
                for i = 1, n do
                  local key = KEYS[k + i]
                  if not is_changed[key] then
                    is_changed[key] = true
                    changed[#changed + 1] = key
                  end
                  tats[key] = tats[key] + allowed * tonumber(ARGV[a + 2 * i])
                end
              end
              k, a = k + n, a + 2 + 2 * n
            end
            for _, key in ipairs(changed) do
              redis.call('SET', key, string.format('%d', tats[key]), 'PX', math.ceil((tats[key] - now) / 1000))
            end
            return out
            """;
    static final String SHA = sha1(TEXT);

    /** Checks of one principal against the same windows, in arrival order: the script decides them together. */
    record Run(String principal, List<Window> windows, List<PendingCheck> checks) {
    }

    private final String keyPrefix;

    GcraScript(String keyPrefix) {
        this.keyPrefix = keyPrefix;
    }

    /**
     * The checks in runs. A principal's checks stay in arrival order; another principal's checks in between do not
     * matter, because no two principals share a key.
     */
    static List<Run> runs(List<PendingCheck> checks) {
        List<Run> runs = new ArrayList<>();
        Map<String, Run> lastRunOf = new HashMap<>();
        for (PendingCheck check : checks) {
            Run last = lastRunOf.get(check.principal());
            if (last != null && last.windows().equals(check.windows())) {
                last.checks().add(check);
            } else {
                Run run = new Run(check.principal(), check.windows(), new ArrayList<>(List.of(check)));
                runs.add(run);
                lastRunOf.put(check.principal(), run);
            }
        }
        return runs;
    }

    Request load() {
        return Request.cmd(Command.SCRIPT).arg("LOAD").arg(TEXT);
    }

    /** EVALSHA normally; EVAL once Redis answered NOSCRIPT (its script cache was emptied by a restart). */
    Request request(List<Run> runs, long nowMicros, boolean withSource) {
        int keys = 0;
        for (Run run : runs) {
            keys += run.windows().size();
        }
        Request request = withSource ? Request.cmd(Command.EVAL).arg(TEXT) : Request.cmd(Command.EVALSHA).arg(SHA);
        request.arg(keys);
        for (Run run : runs) {
            for (Window window : run.windows()) {
                request.arg(keyPrefix + window.name() + ':' + run.principal());
            }
        }
        request.arg(nowMicros);
        for (Run run : runs) {
            request.arg(run.checks().size()).arg(run.windows().size());
            for (Window window : run.windows()) {
                request.arg(window.intervalMicros()).arg(window.limit());
            }
        }
        return request;
    }

    /**
     * Every check's verdicts, one per window in the order it gave them; the checks in the order of the runs. The same
     * verdicts as deciding the checks one by one: the j-th check of a run that fits sees j requests taken, a refused
     * one sees what the allowed ones left and waits for the window that refused it.
     */
    static List<List<Verdict>> verdicts(Response reply, List<Run> runs) {
        int expected = 0;
        for (Run run : runs) {
            expected += 1 + run.windows().size();
        }
        if (reply.size() != expected) {
            throw new IllegalStateException("the script answered " + reply.size() + " numbers, not " + expected);
        }
        List<List<Verdict>> all = new ArrayList<>();
        int at = 0;
        for (Run run : runs) {
            long allowed = reply.get(at).toLong();
            for (int j = 1; j <= run.checks().size(); j++) {
                List<Verdict> verdicts = new ArrayList<>(run.windows().size());
                for (int i = 0; i < run.windows().size(); i++) {
                    verdicts.add(verdict(run.windows().get(i), reply.get(at + 1 + i).toLong(), allowed, j));
                }
                all.add(verdicts);
            }
            at += 1 + run.windows().size();
        }
        return all;
    }

    /** The j-th check of a run of which {@code allowed} fit, in a window whose TAT was {@code tatBefore} µs ahead. */
    private static Verdict verdict(Window window, long tatBefore, long allowed, int j) {
        long interval = window.intervalMicros();
        long capacity = interval * window.limit();
        boolean fits = j <= allowed;
        long tat = tatBefore + (fits ? j : allowed) * interval;
        long next = fits ? tat : tat + interval;
        boolean windowFits = next <= capacity;
        return new Verdict(window, windowFits, Math.max(0, Math.floorDiv(capacity - tat, interval)), tat,
                windowFits ? 0 : next - capacity);
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
