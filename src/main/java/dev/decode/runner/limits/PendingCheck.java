package dev.decode.runner.limits;

import java.util.List;
import java.util.function.BiConsumer;

import io.vertx.core.impl.ContextInternal;

/**
 * One request's check waiting for Redis, and the Vert.x context it came from. Its answer is delivered on that context:
 * at once when the answer arrives on the context's own event loop (requests run on duplicated contexts of the loop that
 * sends their batch), else as a task on it; a caller outside Vert.x gets it on the loop's thread.
 */
record PendingCheck(String principal, List<Window> windows, ContextInternal context, BiConsumer<List<Verdict>, Throwable> answer) {

    void complete(List<Verdict> verdicts) {
        if (context == null) {
            answer.accept(verdicts, null);
        } else {
            context.emit(verdicts, answered -> answer.accept(answered, null));
        }
    }

    void fail(Throwable failure) {
        if (context == null) {
            answer.accept(null, failure);
        } else {
            context.emit(failure, failed -> answer.accept(null, failed));
        }
    }
}
