package dev.decode.runner.platform.errors;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.smallrye.mutiny.CompositeException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * The one place where failures become problem+json: REST resources reach it through the exception mappers below,
 * Vert.x routes and filters through {@link #write}. Unexpected failures are logged with an incident id that the
 * answer repeats, and nothing of their message reaches the client.
 */
@ApplicationScoped
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    private final ObjectMapper json;

    ProblemMapper(ObjectMapper json) {
        this.json = json;
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, jakarta.ws.rs.core.UriInfo uri) {
        return response(Problem.of(e, uri.getPath()));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, jakarta.ws.rs.core.UriInfo uri) {
        return response(Problem.of(classify(e), uri.getPath()));
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e, jakarta.ws.rs.core.UriInfo uri) {
        return response(Problem.of(classify(e), uri.getPath()));
    }

    /** Outranks the mapper quarkus-rest-jackson ships for this type, whose body is not problem+json. */
    @ServerExceptionMapper
    public Response mismatchedJson(MismatchedInputException e, jakarta.ws.rs.core.UriInfo uri) {
        return response(Problem.of(classify(e), uri.getPath()));
    }

    /** Outranks the mapper quarkus-hibernate-validator ships, whose body is not problem+json. */
    @ServerExceptionMapper
    public Response constraintViolation(ConstraintViolationException e, jakarta.ws.rs.core.UriInfo uri) {
        return response(Problem.of(classify(e), uri.getPath()));
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, jakarta.ws.rs.core.UriInfo uri) {
        return response(Problem.of(classify(e), uri.getPath()));
    }

    /** Writes the problem for {@code failure} straight to a Vert.x response, for code that runs before REST. */
    public void write(HttpServerResponse response, Throwable failure, String instance) {
        Problem problem = Problem.of(classify(failure), instance);
        if (response.ended() || response.headWritten()) {
            return;
        }
        response.setStatusCode(problem.status()).putHeader("Content-Type", Problem.MEDIA_TYPE);
        problem.headers().forEach(response::putHeader);
        response.end(Buffer.buffer(serialize(problem)));
    }

    public ProblemException classify(Throwable failure) {
        Throwable e = unwrap(failure);
        if (e instanceof ProblemException problem) {
            return problem;
        }
        if (e instanceof ConstraintViolationException invalid && !invalid.getConstraintViolations().isEmpty()) {
            return ProblemException.invalidRequest(describe(invalid));
        }
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            return ProblemException.invalidRequest("The field '" + fieldPath(mapping) + "' is missing or has the wrong type.");
        }
        // A number too large for its field fails while it is read, before a field path exists; the parser knows it.
        if (e instanceof StreamReadException read && read.getProcessor() != null
                && read.getProcessor().getParsingContext() != null && read.getProcessor().getParsingContext().getCurrentName() != null) {
            return ProblemException.invalidRequest("The field '" + fieldPath(read.getProcessor().getParsingContext())
                    + "' has the wrong type or is out of range.");
        }
        if (e instanceof JsonProcessingException) {
            return ProblemException.invalidRequest("The request body is not valid JSON.");
        }
        if (e instanceof NotFoundException) {
            return ProblemException.notFound("No resource exists at this path.");
        }
        if (e instanceof NotAllowedException) {
            return new ProblemException(405, "method-not-allowed", "Method not allowed",
                    "This resource does not support that method.", allowHeader((NotAllowedException) e));
        }
        if (e instanceof NotSupportedException) {
            return new ProblemException(415, "unsupported-media-type", "Unsupported media type",
                    "This resource does not accept that Content-Type.");
        }
        if (e instanceof WebApplicationException web && web.getResponse().getStatus() < 500) {
            int status = web.getResponse().getStatus();
            return switch (status) {
                case 400 -> ProblemException.invalidRequest("The request could not be read.");
                case 406 -> new ProblemException(406, "not-acceptable", "Not acceptable", "This resource cannot answer in the requested media type.");
                case 413 -> tooLarge();
                default -> new ProblemException(status, "http-" + status, Response.Status.fromStatusCode(status) == null
                        ? "Client error" : Response.Status.fromStatusCode(status).getReasonPhrase(), "The request was not accepted.");
            };
        }
        String incident = UUID.randomUUID().toString();
        LOG.errorf(e, "Unexpected failure incident=%s", incident);
        return new ProblemException(500, "internal-error", "Internal error",
                "Something went wrong on our side. Quote incident " + incident + " when you report it.");
    }

    public static ProblemException tooLarge() {
        return new ProblemException(413, "request-too-large", "Request too large", "The request body is larger than this service accepts.");
    }

    private Response response(Problem problem) {
        Response.ResponseBuilder builder = Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(serialize(problem));
        problem.headers().forEach(builder::header);
        return builder.build();
    }

    private byte[] serialize(Problem problem) {
        try {
            return json.writeValueAsBytes(problem);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a problem record always serializes", e);
        }
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable e = failure;
        while (true) {
            if (e instanceof CompositeException composite && !composite.getCauses().isEmpty()) {
                e = composite.getCauses().get(0);
            } else if (e instanceof WebApplicationException web && web.getCause() instanceof JsonProcessingException json) {
                // How quarkus-rest-jackson reports a body it could not read; the cause says where.
                e = json;
            } else if ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException)
                    && e.getCause() != null) {
                e = e.getCause();
            } else {
                return e;
            }
        }
    }

    /**
     * One sentence per violation, in a stable order. A constraint on a field of the body says what the field must be
     * ("must not be empty") and the sentence names the field; a constraint on the body itself is a whole sentence.
     */
    private static String describe(ConstraintViolationException e) {
        return e.getConstraintViolations().stream()
                .map(ProblemMapper::sentence)
                .distinct()
                .sorted(Comparator.naturalOrder())
                .collect(Collectors.joining(" "));
    }

    private static String sentence(ConstraintViolation<?> violation) {
        String field = fieldPath(violation.getPropertyPath());
        return field.isEmpty() ? violation.getMessage() : "The field '" + field + "' " + violation.getMessage() + ".";
    }

    /** The path inside the body as the client wrote it ({@code messages[1].content}), without the method and parameter. */
    private static String fieldPath(Path path) {
        StringBuilder field = new StringBuilder();
        for (Path.Node node : path) {
            if (node.getKind() == ElementKind.METHOD || node.getKind() == ElementKind.PARAMETER) {
                continue;
            }
            if (node.isInIterable()) {
                field.append('[').append(node.getIndex() != null ? node.getIndex() : node.getKey()).append(']');
            }
            if (node.getKind() == ElementKind.PROPERTY) {
                field.append(field.isEmpty() ? "" : ".").append(node.getName());
            }
        }
        return field.toString();
    }

    private static String fieldPath(JsonStreamContext context) {
        ArrayDeque<String> steps = new ArrayDeque<>();
        for (JsonStreamContext at = context; at != null && !at.inRoot(); at = at.getParent()) {
            if (at.inArray()) {
                steps.push("[" + at.getCurrentIndex() + "]");
            } else if (at.getCurrentName() != null) {
                steps.push(at.getCurrentName());
            }
        }
        StringBuilder path = new StringBuilder();
        for (String step : steps) {
            path.append(path.isEmpty() || step.startsWith("[") ? "" : ".").append(step);
        }
        return path.toString();
    }

    private static String fieldPath(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static Map<String, String> allowHeader(NotAllowedException e) {
        String allow = e.getResponse().getAllowedMethods().stream().sorted().collect(Collectors.joining(", "));
        return allow.isEmpty() ? Map.of() : Map.of("Allow", allow);
    }
}
