package dev.decode.runner.platform;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * UUIDs of version 7 (RFC 9562): the first 48 bits are the Unix time in milliseconds, the rest random. Ids made later
 * sort later, so a table keyed by them grows at the end of its primary-key index rather than at random pages of it,
 * which keeps inserts cheap however large the table gets. They are not secrets: nothing is authorised by knowing one.
 */
public final class TimeOrderedIds {

    private TimeOrderedIds() {
    }

    public static String next(Instant at) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long mostSignificant = (at.toEpochMilli() << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long leastSignificant = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(mostSignificant, leastSignificant).toString();
    }
}
