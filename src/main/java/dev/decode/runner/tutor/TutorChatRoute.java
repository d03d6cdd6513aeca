package dev.decode.runner.tutor;

import java.io.IOException;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Validator;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.decode.runner.platform.errors.ProblemException;
import dev.decode.runner.platform.errors.ProblemMapper;
import io.quarkus.vertx.web.Body;
import io.quarkus.vertx.web.Route;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /api/v1/tutor/chat}. A Vert.x route rather than a REST resource because one request, by a field of its
 * body, answers either JSON or an event stream whose status must wait for the upstream; a learner who disconnects
 * cancels the upstream call either way.
 */
@ApplicationScoped
class TutorChatRoute {

    static final String PATH = "/api/v1/tutor/chat";

    private final TutorService tutor;
    private final ProblemMapper problems;
    private final ObjectMapper json;
    private final Validator validator;

    TutorChatRoute(TutorService tutor, ProblemMapper problems, ObjectMapper json, Validator validator) {
        this.tutor = tutor;
        this.problems = problems;
        this.json = json;
        this.validator = validator;
    }

    @Route(path = PATH, methods = Route.HttpMethod.POST)
    @Operation(summary = "Ask the AI tutor", description = "With \"stream\": true the answer is text/event-stream: "
            + "event delta {text} per piece, then event end {model, usage}; a failure after the first piece ends the "
            + "stream with event error holding the problem.")
    @RequestBody(required = true, content = @Content(mediaType = "application/json", schema = @Schema(implementation = Chat.Request.class)))
    @APIResponse(responseCode = "200", description = "The tutor's answer", content = {
            @Content(mediaType = "application/json", schema = @Schema(implementation = Chat.Reply.class)),
            @Content(mediaType = "text/event-stream") })
    @APIResponse(responseCode = "400", description = "invalid-request: over 20 messages, a text over 8000 characters, a role other than user or assistant")
    @APIResponse(responseCode = "502", description = "upstream-error: the upstream failed or answered garbage")
    @APIResponse(responseCode = "503", description = "tutor-unavailable (no key), upstream-rate-limited, upstream-unavailable (breaker open) or tutor-busy; all but the first with Retry-After")
    @APIResponse(responseCode = "504", description = "upstream-timeout: the upstream took longer than the tutor timeout")
    void chat(RoutingContext rc, @Body Buffer body) {
        Chat.Request request;
        try {
            request = json.readValue(body == null ? new byte[0] : body.getBytes(), Chat.Request.class);
        } catch (IOException e) {
            problems.write(rc.response(), e, PATH);
            return;
        }
        // What @Valid does for a REST resource's body.
        if (request == null) {
            problems.write(rc.response(), ProblemException.invalidRequest("Send a JSON object with the field 'messages'."), PATH);
            return;
        }
        Set<ConstraintViolation<Chat.Request>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            problems.write(rc.response(), new ConstraintViolationException(violations), PATH);
            return;
        }
        if (request.streamed()) {
            stream(rc, request);
        } else {
            answer(rc, request);
        }
    }

    private void answer(RoutingContext rc, Chat.Request request) {
        Relay relay = Relay.withoutDeltas();
        cancelWhenClientLeaves(rc, relay);
        tutor.chat(request, relay).subscribe().with(
                answer -> rc.response().putHeader("Content-Type", "application/json").end(reply(answer)),
                failure -> {
                    if (!(failure instanceof Relay.ClientGone)) {
                        problems.write(rc.response(), failure, PATH);
                    }
                });
    }

    private void stream(RoutingContext rc, Chat.Request request) {
        TutorEventStream events = new TutorEventStream(rc.response(), json, problems, PATH);
        Relay relay = new Relay(events::delta);
        cancelWhenClientLeaves(rc, relay);
        tutor.chat(request, relay).subscribe().with(events::end, events::fail);
    }

    private static void cancelWhenClientLeaves(RoutingContext rc, Relay relay) {
        rc.addEndHandler(ended -> {
            if (ended.failed()) {
                relay.clientGone();
            }
        });
    }

    private Buffer reply(Answer answer) {
        try {
            return Buffer.buffer(json.writeValueAsBytes(new Chat.Reply(answer.reply(), answer.model(), answer.usage())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a reply always serializes", e);
        }
    }
}
