package dev.decode.runner.limits;

import java.util.List;

import io.smallrye.mutiny.Uni;

/**
 * Where the windows' counts live. A request takes one unit from every window it is checked against, or from none
 * when any of them refuses, so that a refused request never uses up quota.
 */
interface RateStore {

    /** One verdict per window, in the order given. */
    Uni<List<Verdict>> consume(String principal, List<Window> windows);
}
