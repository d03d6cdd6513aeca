package dev.decode.runner.limits;

import java.util.List;

import io.smallrye.mutiny.Uni;

/** A store's or the limiter's callback as a {@link Uni}, for tests that await or combine checks. */
final class Checks {

    private Checks() {
    }

    static Uni<List<Verdict>> consume(RateStore store, String principal, List<Window> windows) {
        return Uni.createFrom().emitter(emitter -> store.consume(principal, windows, (verdicts, failure) -> {
            if (failure == null) {
                emitter.complete(verdicts);
            } else {
                emitter.fail(failure);
            }
        }));
    }
}
