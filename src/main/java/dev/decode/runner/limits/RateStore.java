package dev.decode.runner.limits;

import java.util.List;
import java.util.function.BiConsumer;

import io.smallrye.mutiny.Uni;

/**
 * Where the windows' counts live. A request takes one unit from every window it is checked against, or from none
 * when any of them refuses, so that a refused request never uses up quota.
 */
interface RateStore {

    /**
     * Hands {@code answer} one verdict per window, in the order given, or the failure. A callback rather than a
     * {@link Uni}: this runs on every request, and with context propagation on, each Mutiny operator captures and
     * restores the request's contexts (JTA's among them).
     */
    void consume(String principal, List<Window> windows, BiConsumer<List<Verdict>, Throwable> answer);

    default Uni<List<Verdict>> consume(String principal, List<Window> windows) {
        return Uni.createFrom().emitter(emitter -> consume(principal, windows, (verdicts, failure) -> {
            if (failure == null) {
                emitter.complete(verdicts);
            } else {
                emitter.fail(failure);
            }
        }));
    }
}
