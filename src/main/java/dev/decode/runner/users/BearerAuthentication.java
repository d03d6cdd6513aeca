package dev.decode.runner.users;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.decode.runner.platform.RequestPipeline;
import dev.decode.runner.platform.errors.ProblemException;
import dev.decode.runner.platform.errors.ProblemMapper;
import io.quarkus.vertx.web.RouteFilter;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Bearer authentication for every {@code /api/**} request, in two steps of the {@link RequestPipeline} so that the limits
 * can count a request per principal in between: {@link #resolve} finds who the token belongs to (cached, see
 * {@link TokenCache}), and {@link #enforce} refuses a missing or wrong token (401) and the wrong area (403): {@code /api/v1/users/**} is the
 * admin's, everything else a learner's. {@code /q/**} stays open.
 */
@ApplicationScoped
class BearerAuthentication {

    private static final String ADMIN_AREA = "/api/v1/users";
    private static final String TOKEN_PRESENTED = "decode-runner.token-presented";

    private final UserService users;
    private final ProblemMapper problems;

    BearerAuthentication(UserService users, ProblemMapper problems) {
        this.users = users;
        this.problems = problems;
    }

    @RouteFilter(RequestPipeline.AUTHENTICATE)
    void resolve(RoutingContext rc) {
        String path = rc.normalizedPath();
        Optional<String> token = RequestPipeline.isApi(path) ? bearerToken(rc.request().getHeader(HttpHeaders.AUTHORIZATION)) : Optional.empty();
        if (token.isEmpty()) {
            rc.next();
            return;
        }
        rc.put(TOKEN_PRESENTED, Boolean.TRUE);
        // The body must wait while PostgreSQL answers, or its first chunks would reach nobody.
        rc.request().pause();
        users.authenticate(token.get()).subscribe().with(principal -> {
            rc.request().resume();
            principal.ifPresent(found -> rc.put(Principal.KEY, found));
            rc.next();
        }, failure -> {
            rc.request().resume();
            problems.write(rc.response(), failure, path);
        });
    }

    @RouteFilter(RequestPipeline.AUTHORIZE)
    void enforce(RoutingContext rc) {
        String path = rc.normalizedPath();
        if (!RequestPipeline.isApi(path)) {
            rc.next();
            return;
        }
        Principal principal = rc.get(Principal.KEY);
        if (principal == null) {
            problems.write(rc.response(), ProblemException.unauthorized(rc.get(TOKEN_PRESENTED) == null
                    ? "Send a valid token as 'Authorization: Bearer <token>'." : "The bearer token is not valid."), path);
        } else if (principal.isAdmin() != isAdminArea(path)) {
            problems.write(rc.response(), ProblemException.forbidden(principal.isAdmin()
                    ? "The admin token manages users; act as a learner with their own token."
                    : "Only the admin token may manage users."), path);
        } else {
            rc.next();
        }
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
