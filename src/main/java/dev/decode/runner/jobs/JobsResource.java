package dev.decode.runner.jobs;

import java.net.URI;
import java.util.Optional;
import java.util.Set;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestResponse;

import dev.decode.runner.platform.errors.ProblemException;
import dev.decode.runner.platform.errors.QueryParameters;
import dev.decode.runner.users.CurrentPrincipal;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** dbt jobs: submit, follow, cancel, fetch their artifacts and docs page. */
@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobsResource {

    private static final Set<String> ARTIFACTS = Set.of("manifest.json", "run_results.json", "catalog.json");
    private static final int MAX_LIMIT = 200;

    private final JobSupervisor supervisor;
    private final CurrentPrincipal principal;
    private final JobsConfig config;

    JobsResource(JobSupervisor supervisor, CurrentPrincipal principal, JobsConfig config) {
        this.supervisor = supervisor;
        this.principal = principal;
        this.config = config;
    }

    @RegisterForReflection
    public record JobList(java.util.List<JobView> items) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<JobView>> submit(
            @Valid @NotNull(message = "Send a JSON object with the field 'command'.") DbtCommand.Request request) {
        return supervisor.submit(principal.username(), request)
                .map(job -> RestResponse.ResponseBuilder.<JobView>create(RestResponse.Status.ACCEPTED).entity(job)
                        .location(URI.create("/api/v1/jobs/" + job.id())).build());
    }

    @GET
    public Uni<JobList> list(@RestQuery String limit, @RestQuery String status) {
        int rows = QueryParameters.wholeNumber("limit", limit, 50, 1, MAX_LIMIT);
        Optional<JobStatus> wanted = Optional.ofNullable(status).map(value -> JobStatus.fromWire(value).orElseThrow(() ->
                ProblemException.invalidRequest("The parameter 'status' must be one of queued, running, succeeded, failed, "
                        + "cancelled, timed_out, interrupted.")));
        return supervisor.list(principal.username(), wanted, rows).map(JobList::new);
    }

    @GET
    @Path("{id}")
    public Uni<JobView> get(@RestPath String id) {
        return supervisor.find(principal.username(), id);
    }

    @POST
    @Path("{id}/cancel")
    public Uni<RestResponse<JobView>> cancel(@RestPath String id) {
        return supervisor.cancel(principal.username(), id).map(job -> RestResponse.status(RestResponse.Status.ACCEPTED, job));
    }

    @GET
    @Path("{id}/logs")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> logs(@RestPath String id, @RestQuery Long after,
            @HeaderParam("Last-Event-ID") String lastEventId, @Context Sse sse) {
        long from = resumeAfter(lastEventId, after);
        return JobEvents.withHeartbeats(supervisor.logs(principal.username(), id, from).map(item -> JobEvents.toSse(item, sse)),
                config.logHeartbeat(), sse);
    }

    @GET
    @Path("{id}/logs")
    @Produces(MediaType.TEXT_PLAIN)
    public Uni<String> logText(@RestPath String id) {
        return supervisor.logText(principal.username(), id);
    }

    @GET
    @Path("{id}/artifacts/{name}")
    public Uni<RestResponse<byte[]>> artifact(@RestPath String id, @RestPath String name) {
        if (!ARTIFACTS.contains(name)) {
            return Uni.createFrom().failure(ProblemException.notFound("Artifacts are manifest.json, run_results.json and catalog.json."));
        }
        return supervisor.artifact(principal.username(), id, name).map(artifact -> RestResponse.ResponseBuilder
                .ok(artifact.orElseThrow(() -> ProblemException.notFound("This job has no " + name + ".")), MediaType.APPLICATION_JSON_TYPE)
                .build());
    }

    /** dbt's docs site as one page, kept from reaching anything of the API's origin (see {@link DocsPage}). */
    @GET
    @Path("{id}/docs")
    @Produces(MediaType.TEXT_HTML)
    public Uni<RestResponse<java.nio.file.Path>> docs(@RestPath String id) {
        return supervisor.docs(principal.username(), id).map(page -> RestResponse.ResponseBuilder
                .ok(page, MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .header("Content-Security-Policy", DocsPage.CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff").build());
    }

    /** Last-Event-ID wins over ?after=, as a reconnecting EventSource sends it. */
    private static long resumeAfter(String lastEventId, Long after) {
        String value = lastEventId != null && !lastEventId.isBlank() ? lastEventId.trim() : null;
        if (value == null) {
            return after == null ? 0 : Math.max(0, after);
        }
        try {
            return Math.max(0, Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw ProblemException.invalidRequest("The header 'Last-Event-ID' must be a line number.");
        }
    }
}
