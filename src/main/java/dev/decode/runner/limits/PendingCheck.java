package dev.decode.runner.limits;

import java.util.List;
import java.util.function.BiConsumer;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * One request's check waiting for Redis, and the Vert.x context it came from: the request's duplicated context, on
 * the event loop that sends its batch. The answer is delivered on that context, so that what the request does next
 * (resuming its body, the next route) runs where Quarkus expects it. A caller outside Vert.x gets it on the thread
 * that has it.
 */
record PendingCheck(String principal, List<Window> windows, Context context, BiConsumer<List<Verdict>, Throwable> answer) {

    void complete(List<Verdict> verdicts) {
        deliver(verdicts, null);
    }

    void fail(Throwable failure) {
        deliver(null, failure);
    }

    private void deliver(List<Verdict> verdicts, Throwable failure) {
        if (context == null || Vertx.currentContext() == context) {
            answer.accept(verdicts, failure);
        } else {
            context.runOnContext(ignored -> answer.accept(verdicts, failure));
        }
    }
}
