package dev.decode.runner.users;

import java.time.Instant;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.ResponseStatus;
import org.jboss.resteasy.reactive.RestPath;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/** Admin endpoints: learners and their tokens. */
@Path("/api/v1/users")
@Produces(MediaType.APPLICATION_JSON)
public class UsersResource {

    private final UserService users;

    UsersResource(UserService users) {
        this.users = users;
    }

    @RegisterForReflection
    public record CreateUser(
            @NotNull(message = UserService.USERNAME_RULE)
            @Pattern(regexp = UserService.USERNAME_PATTERN, message = UserService.USERNAME_RULE) String username) {
    }

    @RegisterForReflection
    public record CreatedUser(String username, String token, Instant createdAt) {
    }

    @RegisterForReflection
    public record RotatedToken(String username, String token) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    public Uni<CreatedUser> create(@Valid @NotNull(message = "Send a JSON object with the field 'username'.") CreateUser request) {
        return users.create(request.username()).map(issued -> new CreatedUser(issued.username(), issued.token(), issued.createdAt()));
    }

    @POST
    @Path("{username}/token")
    public Uni<RotatedToken> rotateToken(@RestPath String username) {
        return users.rotateToken(username).map(issued -> new RotatedToken(issued.username(), issued.token()));
    }

    @DELETE
    @Path("{username}")
    public Uni<Void> delete(@RestPath String username) {
        return users.delete(username);
    }
}
