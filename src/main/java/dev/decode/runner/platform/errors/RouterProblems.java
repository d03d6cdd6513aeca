package dev.decode.runner.platform.errors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.decode.runner.platform.RequestPipeline;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;

/**
 * Failures that happen outside REST resources (no route matched, a body over the size limit, a failed filter) get
 * the same problem+json answers as everything else.
 */
@ApplicationScoped
class RouterProblems {

    private static final String WORKSPACE_FILES = "/api/v1/workspace/files/";

    private final ProblemMapper problems;
    private final long maxBodyBytes;

    RouterProblems(ProblemMapper problems, @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBody) {
        this.problems = problems;
        this.maxBodyBytes = maxBody.asLongValue();
    }

    void register(@Observes Router router) {
        router.route().order(RequestPipeline.ROUTER_FIRST).failureHandler(this::onFailure);
        // REST would refuse such a body with a bare 413; declared lengths are refused here, before any byte is read.
        router.route().order(RequestPipeline.ROUTER_FIRST).handler(this::refuseOversizedBody);
        router.errorHandler(404, rc -> problems.write(rc.response(),
                ProblemException.notFound("No resource exists at this path."), rc.normalizedPath()));
        router.errorHandler(405, rc -> problems.write(rc.response(),
                new ProblemException(405, "method-not-allowed", "Method not allowed", "This resource does not support that method."),
                rc.normalizedPath()));
    }

    private void refuseOversizedBody(RoutingContext rc) {
        String declared = rc.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null && isOver(declared)) {
            problems.write(rc.response().putHeader(HttpHeaders.CONNECTION, "close"), tooLarge(rc), rc.normalizedPath());
            return;
        }
        rc.next();
    }

    /** A workspace file over the body limit is over the file quota too; the file API's own answer says so. */
    private static ProblemException tooLarge(RoutingContext rc) {
        return rc.normalizedPath().startsWith(WORKSPACE_FILES)
                ? new ProblemException(413, "quota-exceeded", "Quota exceeded", "A workspace file may hold at most 1 MiB.")
                : ProblemMapper.tooLarge();
    }

    private boolean isOver(String declaredLength) {
        try {
            return Long.parseLong(declaredLength.trim()) > maxBodyBytes;
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
