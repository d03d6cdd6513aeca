package dev.decode.runner.limits;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.decode.runner.platform.RequestPipeline;
import dev.decode.runner.platform.errors.ProblemMapper;
import dev.decode.runner.users.Principal;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Counts every {@code /api/**} request against its principal's windows and in-flight cap ({@link RequestPipeline#LIMIT}). */
@ApplicationScoped
class LimitsFilter {

    private static final CharSequence LIMIT = HttpHeaders.createOptimized("RateLimit-Limit");
    private static final CharSequence REMAINING = HttpHeaders.createOptimized("RateLimit-Remaining");
    private static final CharSequence RESET = HttpHeaders.createOptimized("RateLimit-Reset");

    private final LimitsConfig config;
    private final RateLimiter limiter;
    private final Rejections rejections;
    private final ProblemMapper problems;
    private final List<Window> general;
    private final List<Window> expensive;
    private final InFlight requests = new InFlight();
    private final InFlight logStreams = new InFlight();
    private final boolean countsInMemory;

    LimitsFilter(LimitsConfig config, RateLimiter limiter, Rejections rejections, ProblemMapper problems, MeterRegistry metrics) {
        this.config = config;
        this.limiter = limiter;
        this.rejections = rejections;
        this.problems = problems;
        this.countsInMemory = !limiter.sharesCounts();
        Window requestsWindow = Window.perMinute(Window.REQUESTS, config.requestsPerMinute());
        this.general = List.of(requestsWindow);
        this.expensive = List.of(requestsWindow, Window.perMinute(Window.EXPENSIVE, config.expensivePerMinute()));
        Gauge.builder("runner.limits.principals.in.flight", requests, InFlight::principals)
                .description("Principals with a request in flight on this instance").register(metrics);
    }

    /**
     * On the router itself, where a route filter of priority {@link RequestPipeline#LIMIT} would be, not as a
     * {@code @RouteFilter}: that wrapper activates a CDI request context and sets a content type on every call, which
     * this filter needs neither of, and which was about a quarter of its cost in a profile of the in-memory path.
     */
    void register(@Observes Router router) {
        router.route().order(RequestPipeline.routerOrder(RequestPipeline.LIMIT)).handler(this::limit);
    }

    private void limit(RoutingContext rc) {
        String path = rc.normalizedPath();
        if (!RequestPipeline.isApi(path)) {
            rc.next();
            return;
        }
        Principal principal = rc.get(Principal.KEY);
        String key = principal == null ? "address:" + clientAddress(rc) : principal.isAdmin() ? "admin" : "user:" + principal.name();
        List<Window> windows = RequestPipeline.isExpensive(rc.request().method(), path) ? expensive : general;
        if (countsInMemory) {
            admit(rc, principal, key, Verdict.tightest(limiter.consumeInMemory(key, windows)));
            return;
        }
        // With Redis the answer comes later; the body must wait for it, as it does for the token lookup.
        rc.request().pause();
        limiter.consume(key, windows, (verdicts, failure) -> {
            rc.request().resume();
            if (failure == null) {
                admit(rc, principal, key, Verdict.tightest(verdicts));
            } else {
                problems.write(rc.response(), failure, path);
            }
        });
    }

    private void admit(RoutingContext rc, Principal principal, String key, Verdict verdict) {
        HttpServerResponse response = rc.response()
                .putHeader(LIMIT, Integer.toString(verdict.window().limit()))
                .putHeader(REMAINING, Long.toString(verdict.remaining()))
                .putHeader(RESET, Long.toString(verdict.resetSeconds()));
        if (!verdict.allowed()) {
            rejections.rejected(key, verdict.window().name());
            problems.write(response, LimitExceeded.rateLimited(verdict), rc.normalizedPath());
            return;
        }
        // Unauthenticated requests are answered 401 at once; only a principal's own requests can pile up.
        if (principal != null) {
            boolean logStream = RequestPipeline.isLogStream(rc.request().method(), rc.normalizedPath());
            int cap = logStream ? config.logStreams() : config.concurrentRequests();
            var slot = (logStream ? logStreams : requests).tryAcquire(key, cap);
            if (slot.isEmpty()) {
                rejections.rejected(key, logStream ? Rejections.LOG_STREAMS : Rejections.CONCURRENT);
                problems.write(response, LimitExceeded.tooManyConcurrent(cap, logStream), rc.normalizedPath());
                return;
            }
            // Called once the response has ended, or the connection closed or failed before it could.
            rc.addEndHandler(ended -> slot.get().release());
        }
        rc.next();
    }

    private static String clientAddress(RoutingContext rc) {
        SocketAddress remote = rc.request().remoteAddress();
        return remote == null || remote.hostAddress() == null ? "unknown" : remote.hostAddress();
    }
}
