package dev.decode.runner.limits;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Per-principal limits from the API contract's "Limits" section. */
@ConfigMapping(prefix = "runner.limits")
public interface LimitsConfig {

    /** Every /api/** request counts against this window. */
    @WithDefault("100")
    int requestsPerMinute();

    /** Queries, job submissions and tutor chats also count against this one. */
    @WithDefault("20")
    int expensivePerMinute();

    /** Requests of one user in flight at once (log streams excluded). */
    @WithDefault("5")
    int concurrentRequests();

    /** Log streams of one user open at once. */
    @WithDefault("3")
    int logStreams();

    /** Jobs of one user queued or running at once. */
    @WithDefault("3")
    int maxQueuedJobs();
}
