package dev.decode.runner.tutor;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.decode.runner.platform.errors.ProblemException;
import io.smallrye.mutiny.Uni;

/** Checks a learner's chat against the contract's limits, asks the upstream, and names what went wrong. */
@ApplicationScoped
class TutorService {

    static final int MAX_MESSAGES = 20;
    static final int MAX_CHARACTERS = 8000;

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

    /** Fails with a problem for the learner; with {@link Relay.ClientGone} when nobody is left to tell. */
    Uni<Answer> chat(Chat.Request chat, Relay relay) {
        return Uni.createFrom().item(chat).invoke(TutorService::validate).chain(valid -> ask(valid, relay));
    }

    private Uni<Answer> ask(Chat.Request chat, Relay relay) {
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

    static void validate(Chat.Request chat) {
        if (chat == null || chat.messages() == null || chat.messages().isEmpty()) {
            throw ProblemException.invalidRequest("Send 'messages' with at least one message.");
        }
        List<Chat.Message> messages = chat.messages();
        if (messages.size() > MAX_MESSAGES) {
            throw ProblemException.invalidRequest("Send at most " + MAX_MESSAGES + " messages; drop the oldest turns.");
        }
        for (int i = 0; i < messages.size(); i++) {
            Chat.Message message = messages.get(i);
            String field = "messages[" + i + "]";
            if (message == null || !("user".equals(message.role()) || "assistant".equals(message.role()))) {
                throw ProblemException.invalidRequest("The field '" + field + ".role' must be 'user' or 'assistant'.");
            }
            requireText(field + ".content", message.content(), true);
        }
        if (chat.context() != null) {
            requireText("context.sql", chat.context().sql(), false);
            requireText("context.error", chat.context().error(), false);
        }
    }

    private static void requireText(String field, String value, boolean required) {
        if (required && (value == null || value.isBlank())) {
            throw ProblemException.invalidRequest("The field '" + field + "' must not be empty.");
        }
        if (value != null && value.length() > MAX_CHARACTERS) {
            throw ProblemException.invalidRequest("The field '" + field + "' is longer than " + MAX_CHARACTERS + " characters.");
        }
    }
}
