package dev.decode.runner.tutor;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.decode.runner.platform.errors.ProblemException;
import io.smallrye.mutiny.Uni;

/** Asks the upstream on a learner's behalf and names what went wrong. */
@ApplicationScoped
class TutorService {

    private final TutorConfig config;
    private final TutorUpstream upstream;
    private final TutorMetrics metrics;
    private final ObjectMapper json;

    TutorService(TutorConfig config, TutorUpstream upstream, TutorMetrics metrics, ObjectMapper json) {
        this.config = config;
        this.upstream = upstream;
        this.metrics = metrics;
        this.json = json;
    }

    /**
     * {@code chat} has passed its constraints. Fails with a problem for the learner; with {@link Relay.ClientGone} when
     * nobody is left to tell.
     */
    Uni<Answer> chat(Chat.Request chat, Relay relay) {
        long start = System.nanoTime();
        Uni<Answer> answer = config.apiKey().isEmpty() ? Uni.createFrom().failure(TutorProblems.unavailable())
                : upstream.exchange(upstreamRequest(chat), relay).onFailure().transform(this::problem);
        return answer.onItemOrFailure().invoke((ignored, failure) -> metrics.record(chat.streamed(), outcome(failure), start));
    }

    private ChatCompletions.Request upstreamRequest(Chat.Request chat) {
        return new ChatCompletions.Request(config.model(), TutorPrompt.messages(chat, json), chat.streamed(),
                config.maxTokens(), chat.streamed() ? new ChatCompletions.StreamOptions(true) : null);
    }

    private Throwable problem(Throwable failure) {
        if (failure instanceof TimeoutException) {
            return TutorProblems.timeout(config.timeout());
        }
        if (failure instanceof CircuitBreakerOpenException) {
            return TutorProblems.breakerOpen(config.breaker().delay());
        }
        if (failure instanceof BulkheadException) {
            return TutorProblems.busy();
        }
        return failure;
    }

    private static String outcome(Throwable failure) {
        if (failure == null) {
            return "ok";
        }
        if (failure instanceof ProblemException problem) {
            return problem.slug();
        }
        return failure instanceof Relay.ClientGone ? "cancelled" : "internal-error";
    }
}
