package dev.decode.runner.users;

import java.time.Instant;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.decode.runner.limits.LimitsConfig;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/** The calling learner and the limits that apply to them. */
@Path("/api/v1/me")
@Produces(MediaType.APPLICATION_JSON)
public class MeResource {

    private final UserService users;
    private final CurrentPrincipal principal;
    private final LimitsConfig limits;

    MeResource(UserService users, CurrentPrincipal principal, LimitsConfig limits) {
        this.users = users;
        this.principal = principal;
        this.limits = limits;
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
                limits.requestsPerMinute(), limits.expensivePerMinute(), limits.concurrentRequests(), limits.maxQueuedJobs())));
    }
}
