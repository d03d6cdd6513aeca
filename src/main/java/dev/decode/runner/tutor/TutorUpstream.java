package dev.decode.runner.tutor;

import java.net.URI;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;
import jakarta.ws.rs.WebApplicationException;

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.decode.runner.platform.errors.ProblemException;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;

/** One guarded exchange with the chat-completions upstream, streamed or not. */
@ApplicationScoped
public class TutorUpstream {

    static final String BREAKER = "tutor-upstream";
    private static final Logger LOG = Logger.getLogger(TutorUpstream.class);
    private static final String DONE = "[DONE]";

    private final TutorConfig config;
    private final ObjectMapper json;
    private final ChatCompletionsClient client;
    private final TypedGuard<Uni<Answer>> guard;

    TutorUpstream(TutorConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
        // Built here rather than declared by annotations: its limits are TutorConfig's durations and counts.
        this.guard = TypedGuard.create(new TypeLiteral<Uni<Answer>>() {
                })
                .withDescription("tutor upstream")
                .withTimeout().duration(config.timeout().toMillis(), ChronoUnit.MILLIS).done()
                .withCircuitBreaker().name(BREAKER)
                        .requestVolumeThreshold(config.breaker().window())
                        .failureRatio(config.breaker().failureRatio())
                        .delay(config.breaker().delay().toMillis(), ChronoUnit.MILLIS)
                        // Not signs that the upstream is down.
                        .skipOn(List.of(TutorProblems.RateLimited.class, BulkheadException.class, Relay.ClientGone.class))
                        .done()
                .withBulkhead().limit(config.maxConcurrent()).queueSize(config.maxWaiting()).done()
                .build();
        this.client = QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create(config.baseUrl()))
                .connectTimeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS)
                // The client's own idle limit must never beat the tutor deadline, or a slow upstream would read as a 502.
                .readTimeout(config.timeout().multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS)
                .build(ChatCompletionsClient.class);
    }

    Uni<Answer> exchange(ChatCompletions.Request request, Relay relay) {
        return guard.get(() -> unguarded(request, relay));
    }

    /**
     * The guard's timeout fails the caller's {@code Uni} but cannot cancel the one built here (Fault Tolerance drops
     * that subscription), so the same deadline inside is what closes the upstream connection.
     */
    private Uni<Answer> unguarded(ChatCompletions.Request request, Relay relay) {
        String authorization = "Bearer " + config.apiKey().orElseThrow();
        Uni<Answer> call = request.stream() ? streamed(authorization, request, relay)
                : client.complete(authorization, request).map(TutorUpstream::answer);
        Uni<Answer> bounded = call
                .onFailure(failure -> !(failure instanceof ProblemException)).transform(TutorUpstream::classify)
                .ifNoItem().after(config.timeout()).failWith(() -> new TimeoutException("tutor upstream deadline"));
        return Uni.createFrom().emitter(emitter -> {
            Cancellable running = bounded.subscribe().with(emitter::complete, emitter::fail);
            relay.onClientGone(() -> {
                running.cancel();
                emitter.fail(new Relay.ClientGone());
            });
        });
    }

    private Uni<Answer> streamed(String authorization, ChatCompletions.Request request, Relay relay) {
        StreamedAnswer answer = new StreamedAnswer(request.model());
        return client.stream(authorization, request)
                // Comments and keep-alives arrive as empty data.
                .select().where(data -> data != null && !data.isBlank() && !DONE.equals(data.trim()))
                .onItem().transform(this::chunk)
                .onItem().invoke(chunk -> answer.add(chunk, relay))
                .onItem().ignoreAsUni()
                .replaceWith(answer::result);
    }

    private ChatCompletions.Response chunk(String data) {
        try {
            return json.readValue(data, ChatCompletions.Response.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable stream chunk", e);
        }
    }

    private static Answer answer(ChatCompletions.Response response) {
        List<ChatCompletions.Choice> choices = response == null ? null : response.choices();
        if (choices == null || choices.isEmpty() || choices.get(0).message() == null || choices.get(0).message().content() == null) {
            throw new IllegalStateException("completion without a message");
        }
        return new Answer(choices.get(0).message().content(), response.model(), Answer.usage(response.anyUsage()));
    }

    /** Upstream 429 keeps its {@code Retry-After}; every other failure is the upstream's fault, told apart only in the log. */
    private static Throwable classify(Throwable failure) {
        if (failure instanceof WebApplicationException web && web.getResponse() != null) {
            int status = web.getResponse().getStatus();
            if (status == 429) {
                return new TutorProblems.RateLimited(RetryAfter.seconds(web.getResponse().getHeaderString("Retry-After")));
            }
            if (status >= 400) {
                LOG.warnf("Tutor upstream failed status=%d", status);
                return TutorProblems.upstreamError();
            }
        }
        Throwable cause = failure.getCause() == null ? failure : failure.getCause();
        LOG.warnf("Tutor upstream answer unusable error=%s cause=%s", failure.getClass().getSimpleName(), cause.getClass().getSimpleName());
        return TutorProblems.upstreamError();
    }
}
