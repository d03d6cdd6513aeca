package dev.decode.runner.jobs;

import java.time.Duration;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import io.smallrye.mutiny.Multi;

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

    /**
     * Adds a comment line whenever {@code every} passes, so that proxies in front of the service (Render's among them)
     * do not close a stream that stays quiet while a slow model runs. Ends as soon as the events end.
     */
    static Multi<OutboundSseEvent> withHeartbeats(Multi<OutboundSseEvent> events, Duration every, Sse sse) {
        OutboundSseEvent ended = sse.newEventBuilder().comment("end").build();
        Multi<OutboundSseEvent> beats = Multi.createFrom().ticks().startingAfter(every).every(every)
                .map(tick -> sse.newEventBuilder().comment("keep-alive").build());
        return Multi.createBy().merging().streams(events.onCompletion().continueWith(ended), beats)
                .select().first(event -> event != ended);
    }
}
