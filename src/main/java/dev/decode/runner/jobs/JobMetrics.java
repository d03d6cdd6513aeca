package dev.decode.runner.jobs;

import java.time.Duration;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** Queued and running gauges, finished jobs by status, run time and queue wait histograms. */
@ApplicationScoped
class JobMetrics {

    private final MeterRegistry registry;
    private final Timer duration;
    private final Timer queueWait;

    JobMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.duration = Timer.builder("runner.jobs.duration").description("Run time of dbt jobs").publishPercentileHistogram()
                .register(registry);
        this.queueWait = Timer.builder("runner.jobs.queue.wait").description("Time dbt jobs waited to start")
                .publishPercentileHistogram().register(registry);
    }

    void watch(Supplier<Number> queued, Supplier<Number> running) {
        Gauge.builder("runner.jobs.queued", queued).description("dbt jobs waiting to start").register(registry);
        Gauge.builder("runner.jobs.running", running).description("dbt jobs running").register(registry);
    }

    void started(JobView job) {
        queueWait.record(Duration.between(job.createdAt(), job.startedAt()));
    }

    void finished(JobView job) {
        Counter.builder("runner.jobs.finished").description("dbt jobs that ended, by final status")
                .tag("status", job.status().wire()).register(registry).increment();
        if (job.startedAt() != null) {
            duration.record(Duration.between(job.startedAt(), job.finishedAt()));
        }
    }
}
