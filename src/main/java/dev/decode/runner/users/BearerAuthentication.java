package dev.decode.runner.users;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.decode.runner.platform.errors.ProblemException;
import dev.decode.runner.platform.errors.ProblemMapper;
import io.quarkus.vertx.web.RouteFilter;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Resolves the bearer token of every {@code /api/**} request before any resource runs, and enforces who may call
 * what: {@code /api/v1/users/**} is the admin's, everything else a learner's. {@code /q/**} stays open.
 */
@ApplicationScoped
class BearerAuthentication {

    /** Runs before the limits filter, which counts per resolved principal. */
    static final int PRIORITY = 200;

    private static final String API = "/api/";
    private static final String ADMIN_AREA = "/api/v1/users";

    private final UserService users;
    private final ProblemMapper problems;

    BearerAuthentication(UserService users, ProblemMapper problems) {
        this.users = users;
        this.problems = problems;
    }

    @RouteFilter(PRIORITY)
    void authenticate(RoutingContext rc) {
        String path = rc.normalizedPath();
        if (!path.startsWith(API)) {
            rc.next();
            return;
        }
        Optional<String> token = bearerToken(rc.request().getHeader(HttpHeaders.AUTHORIZATION));
        if (token.isEmpty()) {
            problems.write(rc.response(), ProblemException.unauthorized("Send a valid token as 'Authorization: Bearer <token>'."), path);
            return;
        }
        // The body must wait while PostgreSQL answers, or its first chunks would reach nobody.
        rc.request().pause();
        users.authenticate(token.get()).subscribe().with(principal -> {
            rc.request().resume();
            if (principal.isEmpty()) {
                problems.write(rc.response(), ProblemException.unauthorized("The bearer token is not valid."), path);
            } else if (principal.get().isAdmin() != isAdminArea(path)) {
                problems.write(rc.response(), ProblemException.forbidden(principal.get().isAdmin()
                        ? "The admin token manages users; act as a learner with their own token."
                        : "Only the admin token may manage users."), path);
            } else {
                rc.put(Principal.KEY, principal.get());
                rc.next();
            }
        }, failure -> {
            rc.request().resume();
            problems.write(rc.response(), failure, path);
        });
    }

    private static boolean isAdminArea(String path) {
        return path.equals(ADMIN_AREA) || path.startsWith(ADMIN_AREA + "/");
    }

    static Optional<String> bearerToken(String header) {
        if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = header.substring(7).trim();
        return token.isEmpty() || token.length() > 256 ? Optional.empty() : Optional.of(token);
    }
}
