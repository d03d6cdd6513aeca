package dev.decode.runner.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JobTimersTest {

    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private final AtomicInteger fired = new AtomicInteger();

    {
        scheduler.setRemoveOnCancelPolicy(true);
    }

    @AfterEach
    void stopScheduler() {
        scheduler.shutdownNow();
    }

    @Test
    void aTimerFiresAfterItsDelay() {
        JobTimers timers = new JobTimers(scheduler);
        timers.after(Duration.ofMillis(50), fired::incrementAndGet);

        await().atMost(Duration.ofSeconds(5)).until(() -> fired.get() == 1);
    }

    @Test
    void cancellingAtTheJobsEndDropsEveryPendingTimerSoNothingHoldsTheJob() {
        JobTimers timers = new JobTimers(scheduler);
        timers.after(Duration.ofMillis(200), fired::incrementAndGet);
        timers.after(Duration.ofMinutes(30), fired::incrementAndGet);
        assertThat(scheduler.getQueue()).hasSize(2);

        timers.cancelAll();

        assertThat(scheduler.getQueue()).as("nothing scheduled references the job").isEmpty();
        await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(1)).until(() -> fired.get() == 0);
    }

    @Test
    void aTimerSetAfterTheJobEndedNeverRuns() {
        JobTimers timers = new JobTimers(scheduler);
        timers.cancelAll();

        timers.after(Duration.ofMillis(10), fired::incrementAndGet);

        assertThat(scheduler.getQueue()).isEmpty();
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> fired.get() == 0);
    }
}
