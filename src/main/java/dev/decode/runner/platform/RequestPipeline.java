package dev.decode.runner.platform;

import java.util.Set;

import io.vertx.core.http.HttpMethod;

/**
 * What every request passes before a resource or route answers it, in order, and which routes that path treats apart.
 * Quarkus runs route filters of higher priority first; before all of them run the router's own first handlers.
 */
public final class RequestPipeline {

    /**
     * The problem+json failure handler, and the refusal of a body whose declared length is over the limit: before any
     * filter, so that no byte of such a body is read and every failure below answers problem+json.
     */
    public static final int ROUTER_FIRST = Integer.MIN_VALUE;

    /** 1. Who the bearer token belongs to; nobody is turned away yet. */
    public static final int AUTHENTICATE = 200;

    /**
     * 2. Counted against the caller's windows and in-flight caps. Before access is decided, so that requests with a
     * missing or wrong token count too, per client address, and even their 401 answers carry the RateLimit headers.
     */
    public static final int LIMIT = 190;

    /** 3. A missing or wrong token (401) or the wrong area (403) is refused. */
    public static final int AUTHORIZE = 180;

    private static final String API = "/api/";
    /** The one route whose body Vert.x reads whole before it runs (a reactive route taking its body). */
    public static final String TUTOR_CHAT = "/api/v1/tutor/chat";
    /** The contract's expensive requests: each is a POST to one of these. */
    private static final Set<String> EXPENSIVE = Set.of("/api/v1/queries", "/api/v1/jobs", TUTOR_CHAT);
    private static final String WORKSPACE = "/api/v1/workspace";
    private static final String JOBS = "/api/v1/jobs/";
    private static final String LOGS = "/logs";

    private RequestPipeline() {
    }

    /** Where a route filter of {@code priority} runs: a handler added to the router at this order runs in its place. */
    public static int routerOrder(int priority) {
        return -priority;
    }

    /** {@code /api/**}: what the pipeline authenticates and limits; {@code /q/**} and the rest pass untouched. */
    public static boolean isApi(String path) {
        return path.startsWith(API);
    }

    /** Counts against the expensive window as well as the general one. */
    public static boolean isExpensive(HttpMethod method, String path) {
        return method == HttpMethod.POST && EXPENSIVE.contains(withoutTrailingSlash(path));
    }

    /** {@code PUT /api/v1/workspace}: the one route whose body may be larger than {@code runner.max-body-size}. */
    public static boolean isArchiveUpload(HttpMethod method, String path) {
        return method == HttpMethod.PUT && WORKSPACE.equals(withoutTrailingSlash(path));
    }

    /** {@code GET /api/v1/jobs/{id}/logs}: held open for long, so capped apart from the other requests in flight. */
    public static boolean isLogStream(HttpMethod method, String path) {
        if (method != HttpMethod.GET || !path.startsWith(JOBS)) {
            return false;
        }
        String bare = withoutTrailingSlash(path);
        int slash = bare.indexOf('/', JOBS.length());
        return slash > JOBS.length() && bare.length() - slash == LOGS.length() && bare.startsWith(LOGS, slash);
    }

    private static String withoutTrailingSlash(String path) {
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
