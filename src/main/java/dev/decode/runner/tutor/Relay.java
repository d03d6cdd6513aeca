package dev.decode.runner.tutor;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Links one tutor call to the learner's connection: where streamed text goes, and what to stop when they leave.
 * Fault Tolerance does not pass cancellation through to the guarded call, so the learner leaving travels this way.
 */
final class Relay {

    private static final Runnable GONE = () -> {
    };

    private final Consumer<String> deltas;
    private final AtomicReference<Runnable> onGone = new AtomicReference<>();

    Relay(Consumer<String> deltas) {
        this.deltas = deltas;
    }

    static Relay withoutDeltas() {
        return new Relay(text -> {
        });
    }

    void delta(String text) {
        if (onGone.get() != GONE) {
            deltas.accept(text);
        }
    }

    /** The learner's connection closed. */
    void clientGone() {
        Runnable cancel = onGone.getAndSet(GONE);
        if (cancel != null && cancel != GONE) {
            cancel.run();
        }
    }

    /** Runs {@code cancel} when the learner leaves, at once if they already have. */
    void onClientGone(Runnable cancel) {
        if (!onGone.compareAndSet(null, cancel) && onGone.get() == GONE) {
            cancel.run();
        }
    }

    /** The call ended because nobody is listening any more; not a failure of the upstream. */
    static final class ClientGone extends RuntimeException {
        ClientGone() {
            super("the learner closed the connection", null, false, false);
        }
    }
}
