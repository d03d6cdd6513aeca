package dev.decode.runner.tutor;

import java.time.Duration;
import java.util.Map;

import dev.decode.runner.platform.errors.ProblemException;

/**
 * The tutor's answers when it cannot answer. Beyond the contract's slugs: {@code upstream-unavailable} (503, the
 * circuit breaker is open after repeated upstream failures) and {@code tutor-busy} (503, every tutor slot and waiting
 * place is taken); both carry {@code Retry-After}.
 */
final class TutorProblems {

    private TutorProblems() {
    }

    static ProblemException unavailable() {
        return new ProblemException(503, "tutor-unavailable", "Tutor unavailable",
                "The AI tutor is not configured on this server.");
    }

    static ProblemException timeout(Duration limit) {
        return new ProblemException(504, "upstream-timeout", "Tutor timed out",
                "The AI tutor did not answer within " + limit.toSeconds() + " seconds. Please try again in a moment.");
    }

    static ProblemException upstreamError() {
        return new ProblemException(502, "upstream-error", "Tutor failed",
                "The AI tutor's service gave an answer we could not use. Please try again.");
    }

    static ProblemException breakerOpen(Duration delay) {
        return new ProblemException(503, "upstream-unavailable", "Tutor unavailable",
                "The AI tutor's service has been failing, so we paused asking it. Please try again shortly.",
                retryAfter(delay.toSeconds()));
    }

    static ProblemException busy() {
        return new ProblemException(503, "tutor-busy", "Tutor busy",
                "Too many learners are asking the tutor right now. Please try again in a moment.", retryAfter(2));
    }

    static Map<String, String> retryAfter(long seconds) {
        return Map.of("Retry-After", Long.toString(Math.max(1, seconds)));
    }

    /** The upstream is rate limiting us; not a sign that it is down, so the breaker ignores it. */
    static final class RateLimited extends ProblemException {
        RateLimited(long retryAfterSeconds) {
            super(503, "upstream-rate-limited", "Tutor rate limited",
                    "The AI tutor's service is receiving too many questions. Please try again after the indicated time.",
                    retryAfter(retryAfterSeconds));
        }
    }
}
