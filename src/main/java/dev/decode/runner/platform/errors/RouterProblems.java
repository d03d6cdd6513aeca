package dev.decode.runner.platform.errors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.vertx.VertxInputStream;

import dev.decode.runner.platform.PlatformConfig;
import dev.decode.runner.platform.RequestPipeline;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;

/**
 * Failures that happen outside REST resources (no route matched, a body over the size limit, a failed filter) get
 * the same problem+json answers as everything else. The HTTP server's body limit is the workspace archive's, the
 * largest any route takes; every other route is held to {@code runner.max-body-size} here.
 */
@ApplicationScoped
class RouterProblems {

    private static final String WORKSPACE_FILES = "/api/v1/workspace/files/";

    private final ProblemMapper problems;
    private final long maxBodyBytes;
    private final long maxArchiveBytes;

    RouterProblems(ProblemMapper problems, PlatformConfig config,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize serverLimit) {
        this.problems = problems;
        this.maxBodyBytes = config.maxBodySize().asLongValue();
        this.maxArchiveBytes = serverLimit.asLongValue();
    }

    void register(@Observes Router router) {
        router.route().order(RequestPipeline.ROUTER_FIRST).failureHandler(this::onFailure);
        // REST would refuse such a body with a bare 413; declared lengths are refused here, before any byte is read.
        router.route().order(RequestPipeline.ROUTER_FIRST).handler(this::refuseOversizedBody);
        // A body of undeclared length is counted while it is read, against the limit Quarkus's upload-limit handler
        // puts on the request (the server's); this lowers it for every route but the archive upload.
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT + 1).handler(this::limitUndeclaredBody);
        // The tutor's reactive route has its body read whole by a Vert.x body handler with the server's limit; one with
        // the lower limit reads it first, and the route's own then passes.
        router.post(RequestPipeline.TUTOR_CHAT).order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT + 1)
                .handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
        router.errorHandler(404, rc -> problems.write(rc.response(),
                ProblemException.notFound("No resource exists at this path."), rc.normalizedPath()));
        router.errorHandler(405, rc -> problems.write(rc.response(),
                new ProblemException(405, "method-not-allowed", "Method not allowed", "This resource does not support that method."),
                rc.normalizedPath()));
    }

    private void refuseOversizedBody(RoutingContext rc) {
        String declared = rc.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null && isOver(declared, limitOf(rc))) {
            problems.write(rc.response().putHeader(HttpHeaders.CONNECTION, "close"), tooLarge(rc), rc.normalizedPath());
            return;
        }
        rc.next();
    }

    private void limitUndeclaredBody(RoutingContext rc) {
        if (rc.get(VertxInputStream.MAX_REQUEST_SIZE_KEY) != null) {
            rc.put(VertxInputStream.MAX_REQUEST_SIZE_KEY, limitOf(rc));
        }
        rc.next();
    }

    private long limitOf(RoutingContext rc) {
        return isArchiveUpload(rc) ? maxArchiveBytes : maxBodyBytes;
    }

    private static boolean isArchiveUpload(RoutingContext rc) {
        return RequestPipeline.isArchiveUpload(rc.request().method(), rc.normalizedPath());
    }

    /** A workspace file or archive over the body limit is over a workspace quota too; the answer says which. */
    private ProblemException tooLarge(RoutingContext rc) {
        if (isArchiveUpload(rc)) {
            return quotaExceeded("A workspace archive may hold at most " + maxArchiveBytes + " bytes.");
        }
        return rc.normalizedPath().startsWith(WORKSPACE_FILES) ? quotaExceeded("A workspace file may hold at most 1 MiB.")
                : ProblemMapper.tooLarge();
    }

    /** The workspace's problem type, spelled here because the workspace package depends on this one. */
    private static ProblemException quotaExceeded(String detail) {
        return new ProblemException(413, "quota-exceeded", "Quota exceeded", detail);
    }

    private static boolean isOver(String declaredLength, long limit) {
        try {
            return Long.parseLong(declaredLength.trim()) > limit;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void onFailure(RoutingContext rc) {
        Throwable failure = rc.failure();
        if (failure == null || failure instanceof HttpException) {
            failure = switch (rc.statusCode()) {
                case 413 -> tooLarge(rc);
                case 404 -> ProblemException.notFound("No resource exists at this path.");
                case 400 -> ProblemException.invalidRequest("The request could not be read.");
                case 401 -> ProblemException.unauthorized("A valid bearer token is required.");
                case 403 -> ProblemException.forbidden("This token may not use this resource.");
                default -> new IllegalStateException("route failed with status " + rc.statusCode());
            };
        }
        problems.write(rc.response(), failure, rc.normalizedPath());
    }
}
