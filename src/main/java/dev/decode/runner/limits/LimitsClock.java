package dev.decode.runner.limits;

import java.time.Instant;

import jakarta.inject.Singleton;

/** Wall-clock time for the limits; wall-clock because instances that share Redis must agree on it. */
@Singleton
public class LimitsClock {

    public long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }
}
