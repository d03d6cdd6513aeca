package dev.decode.runner.limits;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Requests of each principal in flight on this instance. A principal with nothing in flight has no entry, so the map
 * never holds more entries than there are open requests.
 */
final class InFlight {

    private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();

    /** Empty when {@code principal} already has {@code cap} requests in flight. */
    Optional<Slot> tryAcquire(String principal, int cap) {
        boolean[] acquired = {false};
        counts.compute(principal, (key, count) -> {
            int current = count == null ? 0 : count;
            if (current >= cap) {
                return count;
            }
            acquired[0] = true;
            return current + 1;
        });
        return acquired[0] ? Optional.of(new Slot(principal)) : Optional.empty();
    }

    /** Principals with a request in flight. */
    int principals() {
        return counts.size();
    }

    /** One request's place; the response's end and the connection's close may both report, only one counts. */
    final class Slot {
        private final String principal;
        private final AtomicBoolean released = new AtomicBoolean();

        private Slot(String principal) {
            this.principal = principal;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                counts.computeIfPresent(principal, (key, count) -> count <= 1 ? null : count - 1);
            }
        }
    }
}
