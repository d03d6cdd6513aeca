package dev.decode.runner.jobs;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

/** Feed items as the contract's server-sent events: {@code log}, {@code progress} and the final {@code end}. */
final class JobEvents {

    private JobEvents() {
    }

    static OutboundSseEvent toSse(JobFeed.Item item, Sse sse) {
        OutboundSseEvent.Builder event = sse.newEventBuilder().mediaType(MediaType.APPLICATION_JSON_TYPE);
        if (item instanceof JobFeed.Log log) {
            return event.id(Long.toString(log.seq())).name("log").data(JobFeed.LogLine.class, log.line()).build();
        }
        if (item instanceof JobFeed.ProgressChanged progress) {
            return event.id(Long.toString(progress.seq())).name("progress").data(JobView.Progress.class, progress.progress()).build();
        }
        return event.name("end").data(JobView.class, ((JobFeed.End) item).job()).build();
    }
}
