package dev.decode.runner.tutor;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Reads an upstream {@code Retry-After}, in seconds or as an HTTP date, as whole seconds (at least 1). */
final class RetryAfter {

    /** When the upstream says nothing usable: long enough for a per-minute window to move on. */
    static final long DEFAULT_SECONDS = 10;
    /** A learner will not wait longer; past that the hint is noise. */
    static final long MAX_SECONDS = 3600;

    private RetryAfter() {
    }

    static long seconds(String header) {
        if (header == null || header.isBlank()) {
            return DEFAULT_SECONDS;
        }
        String value = header.trim();
        try {
            double seconds = Double.parseDouble(value);
            return Double.isFinite(seconds) ? Math.min(MAX_SECONDS, Math.max(1, (long) Math.ceil(seconds))) : DEFAULT_SECONDS;
        } catch (NumberFormatException notANumber) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Math.min(MAX_SECONDS, Math.max(1, Duration.between(Instant.now(), at).toSeconds()));
            } catch (DateTimeParseException notADate) {
                return DEFAULT_SECONDS;
            }
        }
    }
}
