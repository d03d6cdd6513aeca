package dev.decode.runner.jobs;

import java.time.Duration;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;

/** Queued and running gauges, the memory budget and headroom, finished jobs by status, run time and queue wait histograms. */
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

    /** As of the last admission pass (they run while jobs run or wait); the headroom is negative over the budget. */
    void watchMemory(Supplier<Number> budget, Supplier<Number> headroom) {
        Gauge.builder("runner.jobs.memory.budget.bytes", budget).description("Memory the service and its dbt jobs may use")
                .baseUnit(BaseUnits.BYTES).register(registry);
        Gauge.builder("runner.jobs.memory.headroom.bytes", headroom).description("Memory budget less what the service and its dbt jobs use")
                .baseUnit(BaseUnits.BYTES).register(registry);
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
