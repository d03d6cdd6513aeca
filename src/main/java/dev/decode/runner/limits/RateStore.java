package dev.decode.runner.limits;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * Where the windows' counts live. A request takes one unit from every window it is checked against, or from none
 * when any of them refuses, so that a refused request never uses up quota.
 */
interface RateStore {

    /**
     * Hands {@code answer} one verdict per window, in the order given, or the failure. A callback rather than a
     * Mutiny {@code Uni}: this runs on every request, and with context propagation on, each Mutiny operator captures and
     * restores the request's contexts (JTA's among them).
     */
    void consume(String principal, List<Window> windows, BiConsumer<List<Verdict>, Throwable> answer);
}
