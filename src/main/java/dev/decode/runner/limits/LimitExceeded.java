package dev.decode.runner.limits;

import java.util.Map;

import dev.decode.runner.platform.errors.ProblemException;

/** The contract's 429 answers. */
final class LimitExceeded extends ProblemException {

    private LimitExceeded(String slug, String title, String detail, long retryAfterSeconds) {
        super(429, slug, title, detail, Map.of("Retry-After", Long.toString(retryAfterSeconds)));
    }

    static LimitExceeded rateLimited(Verdict verdict) {
        return new LimitExceeded("rate-limited", "Rate limited", "At most " + verdict.window().limit() + " "
                + (Window.EXPENSIVE.equals(verdict.window().name()) ? "queries, job submissions and tutor chats" : "requests")
                + " per minute; retry after the time in Retry-After.", verdict.retryAfterSeconds());
    }

    static LimitExceeded tooManyConcurrent(int cap, boolean logStreams) {
        return new LimitExceeded("too-many-concurrent-requests", "Too many concurrent requests", logStreams
                ? "At most " + cap + " log streams may be open at once; close one first."
                : "At most " + cap + " of your requests may be in flight at once; wait for one to finish.", 1);
    }
}
