package dev.decode.runner.limits;

import java.time.Duration;

/** A rate window: at most {@code limit} requests per {@code period}, refilled continuously (no window edges). */
public record Window(String name, int limit, Duration period) {

    public static final String REQUESTS = "requests";
    public static final String EXPENSIVE = "expensive";

    public Window {
        if (limit < 1) {
            throw new IllegalArgumentException("a window's limit must be at least 1, got " + limit + " for " + name);
        }
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("a window's period must be positive, got " + period + " for " + name);
        }
    }

    public static Window perMinute(String name, int limit) {
        return new Window(name, limit, Duration.ofMinutes(1));
    }

    /** Time for one request's worth of quota to come back. */
    long intervalMicros() {
        return Math.max(1, period.toNanos() / 1000 / limit);
    }
}
