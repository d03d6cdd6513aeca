package dev.decode.runner.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class TimeOrderedIdsTest {

    @Test
    void anIdIsAVersion7UuidCarryingItsMillisecond() {
        Instant at = Instant.parse("2026-11-29T08:15:30.123Z");
        UUID id = UUID.fromString(TimeOrderedIds.next(at));

        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(at.toEpochMilli());
    }

    @Test
    void laterIdsSortLaterAsTextAndIdsOfOneMillisecondDiffer() {
        Instant at = Instant.parse("2026-11-29T08:15:30.123Z");
        Set<String> sameMillisecond = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            sameMillisecond.add(TimeOrderedIds.next(at));
        }
        assertThat(sameMillisecond).hasSize(10_000);
        String latest = sameMillisecond.stream().max(String::compareTo).orElseThrow();
        assertThat(TimeOrderedIds.next(at.plusMillis(1))).isGreaterThan(latest);
        assertThat(TimeOrderedIds.next(at.plusSeconds(86_400L * 365 * 30))).isGreaterThan(latest);
    }
}
