package dev.decode.runner.limits;

import java.time.Instant;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.decode.runner.jobs.JobsConfig;
import dev.decode.runner.users.CurrentPrincipal;
import dev.decode.runner.users.UserService;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * The calling learner and the limits that apply to them. Here rather than in users, which the limits depend on (for the
 * principal), so that neither package needs the other both ways.
 */
@Path("/api/v1/me")
@Produces(MediaType.APPLICATION_JSON)
public class MeResource {

    private final UserService users;
    private final CurrentPrincipal principal;
    private final LimitsConfig limits;
    private final JobsConfig jobs;

    MeResource(UserService users, CurrentPrincipal principal, LimitsConfig limits, JobsConfig jobs) {
        this.users = users;
        this.principal = principal;
        this.limits = limits;
        this.jobs = jobs;
    }

    @RegisterForReflection
    public record Me(String username, Instant createdAt, Limits limits) {
    }

    @RegisterForReflection
    public record Limits(int requestsPerMinute, int expensivePerMinute, int concurrentRequests, int maxQueuedJobs) {
    }

    @GET
    public Uni<Me> me() {
        return users.find(principal.username()).map(user -> new Me(user.username(), user.createdAt(), new Limits(
                limits.requestsPerMinute(), limits.expensivePerMinute(), limits.concurrentRequests(), jobs.maxQueuedJobs())));
    }
}
