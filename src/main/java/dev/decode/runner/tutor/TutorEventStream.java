package dev.decode.runner.tutor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.decode.runner.platform.errors.Problem;
import dev.decode.runner.platform.errors.ProblemMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes one streamed answer as server-sent events: {@code delta} per piece, then {@code end}. The status line waits
 * for the first piece, so an upstream that fails before answering still gets its own problem status; a failure after
 * that can only end the stream with an {@code error} event holding the problem. The pieces and the guards' verdicts
 * come from different threads, hence the lock.
 */
final class TutorEventStream {

    private final HttpServerResponse response;
    private final ObjectMapper json;
    private final ProblemMapper problems;
    private final String path;
    private boolean open;
    private boolean closed;

    TutorEventStream(HttpServerResponse response, ObjectMapper json, ProblemMapper problems, String path) {
        this.response = response;
        this.json = json;
        this.problems = problems;
        this.path = path;
    }

    synchronized void delta(String text) {
        if (!closed) {
            open().write(event("delta", new Chat.Delta(text)));
        }
    }

    synchronized void end(Answer answer) {
        if (!closed) {
            closed = true;
            open().end(event("end", new Chat.End(answer.model(), answer.usage())));
        }
    }

    synchronized void fail(Throwable failure) {
        if (closed || failure instanceof Relay.ClientGone) {
            return;
        }
        closed = true;
        if (open) {
            response.end(event("error", Problem.of(problems.classify(failure), path)));
        } else {
            problems.write(response, failure, path);
        }
    }

    private HttpServerResponse open() {
        if (!open) {
            open = true;
            response.setStatusCode(200).setChunked(true)
                    .putHeader("Content-Type", "text/event-stream")
                    .putHeader("Cache-Control", "no-cache")
                    // Proxies such as nginx would otherwise hold the pieces back until the answer is complete.
                    .putHeader("X-Accel-Buffering", "no");
        }
        return response;
    }

    private Buffer event(String name, Object data) {
        try {
            return Buffer.buffer("event: " + name + "\ndata: " + json.writeValueAsString(data) + "\n\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("tutor events always serialize", e);
        }
    }
}
