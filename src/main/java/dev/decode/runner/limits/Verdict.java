package dev.decode.runner.limits;

import java.util.Comparator;
import java.util.List;

/**
 * One window's answer to one request: allowed or not, what is left, when the window is full again and, when refused,
 * when the next request may come.
 */
public record Verdict(Window window, boolean allowed, long remaining, long resetMicros, long retryAfterMicros) {

    private static final Comparator<Verdict> TIGHTEST = Comparator.comparing(Verdict::allowed)
            .thenComparing(Comparator.comparingLong(Verdict::retryAfterMicros).reversed())
            .thenComparingLong(Verdict::remaining)
            .thenComparing(Comparator.comparingLong(Verdict::resetMicros).reversed());

    /** The refusal that lasts longest, else the window with the least left: the one the headers report. */
    public static Verdict tightest(List<Verdict> verdicts) {
        if (verdicts.size() == 1) {
            return verdicts.get(0);
        }
        return verdicts.stream().min(TIGHTEST)
                .orElseThrow(() -> new IllegalArgumentException("a request is checked against at least one window"));
    }

    /** Whole seconds, at least 1, as {@code Retry-After} wants them. */
    public long retryAfterSeconds() {
        return wholeSeconds(retryAfterMicros);
    }

    public long resetSeconds() {
        return wholeSeconds(resetMicros);
    }

    private static long wholeSeconds(long micros) {
        return Math.max(1, (micros + 999_999) / 1_000_000);
    }
}
