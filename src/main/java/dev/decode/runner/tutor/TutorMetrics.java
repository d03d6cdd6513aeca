package dev.decode.runner.tutor;

import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Tutor calls by outcome (the problem slug, {@code ok} or {@code cancelled}), their latency, and the timeouts. */
@ApplicationScoped
class TutorMetrics {

    private final MeterRegistry registry;
    private final Counter timeouts;

    TutorMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.timeouts = Counter.builder("tutor.timeouts").description("Tutor calls answered 504 upstream-timeout").register(registry);
    }

    void record(boolean streamed, String outcome, long startNanos) {
        String mode = streamed ? "stream" : "json";
        registry.counter("tutor.calls", "mode", mode, "outcome", outcome).increment();
        registry.timer("tutor.latency", "mode", mode, "outcome", outcome).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        if ("upstream-timeout".equals(outcome)) {
            timeouts.increment();
        }
    }
}
