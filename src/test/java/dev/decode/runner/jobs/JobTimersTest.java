package dev.decode.runner.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.Vertx;

/** A job's timers fire after their delay, and once the job ends none of them fires or keeps the job referenced. */
class JobTimersTest {

    private final Vertx vertx = Vertx.vertx();
    private final AtomicInteger fired = new AtomicInteger();

    @AfterEach
    void closeVertx() {
        vertx.close();
    }

    @Test
    void aTimerFiresAfterItsDelay() {
        JobTimers timers = new JobTimers(vertx);
        timers.after(Duration.ofMillis(50), fired::incrementAndGet);

        await().atMost(Duration.ofSeconds(5)).until(() -> fired.get() == 1);
    }

    @Test
    void cancellingAtTheJobsEndStopsEveryPendingTimer() {
        JobTimers timers = new JobTimers(vertx);
        timers.after(Duration.ofMillis(100), fired::incrementAndGet);
        timers.after(Duration.ofMillis(200), fired::incrementAndGet);

        timers.cancelAll();

        await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(5)).until(() -> fired.get() == 0);
    }

    @Test
    void aCancelledTimerNoLongerReferencesTheJob() {
        JobTimers timers = new JobTimers(vertx);
        WeakReference<Object> held = maxRunTimeOfANewJob(timers);

        timers.cancelAll();

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            System.gc();
            return held.get() == null;
        });
    }

    /** A timer whose action alone references the job, as the maximum run time does. */
    private WeakReference<Object> maxRunTimeOfANewJob(JobTimers timers) {
        Object job = new Object();
        timers.after(Duration.ofMinutes(30), () -> fired.addAndGet(job.hashCode()));
        return new WeakReference<>(job);
    }

    @Test
    void aTimerSetAfterTheJobEndedNeverRuns() {
        JobTimers timers = new JobTimers(vertx);
        timers.cancelAll();

        timers.after(Duration.ofMillis(10), fired::incrementAndGet);

        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> fired.get() == 0);
    }
}
