package dev.decode.runner.limits;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

/** The limits' clock under the tests' control: it stands still until a test moves it. Enabled by {@link LimitsProfiles}. */
@Alternative
@Singleton
public class ManualLimitsClock extends LimitsClock {

    private final AtomicLong now = new AtomicLong(super.nowMicros());

    @Override
    public long nowMicros() {
        return now.get();
    }

    public void advance(Duration by) {
        now.addAndGet(by.toNanos() / 1000);
    }

    /** Moves forward to {@code offset} past the next whole minute, so a test can sit at a fixed window's edge. */
    public void moveToNextMinutePlus(Duration offset) {
        long minute = 60_000_000L;
        now.updateAndGet(current -> (current / minute + 1) * minute + offset.toNanos() / 1000);
    }
}
