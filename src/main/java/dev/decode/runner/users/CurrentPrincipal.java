package dev.decode.runner.users;

import jakarta.enterprise.context.ApplicationScoped;

import dev.decode.runner.platform.errors.ProblemException;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;

/** The principal {@link BearerAuthentication} resolved for the request being served. */
@ApplicationScoped
public class CurrentPrincipal {

    private final CurrentVertxRequest request;

    CurrentPrincipal(CurrentVertxRequest request) {
        this.request = request;
    }

    public Principal get() {
        Principal principal = request.getCurrent() == null ? null : request.getCurrent().get(Principal.KEY);
        if (principal == null) {
            throw ProblemException.unauthorized("Send a valid token as 'Authorization: Bearer <token>'.");
        }
        return principal;
    }

    /** The learner's username; the filter already refused the admin token outside the admin area. */
    public String username() {
        return get().name();
    }
}
