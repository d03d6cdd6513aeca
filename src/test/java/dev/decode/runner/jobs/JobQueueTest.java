package dev.decode.runner.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

import org.junit.jupiter.api.Test;

import dev.decode.runner.platform.errors.ProblemException;

class JobQueueTest {

    /** Jobs are "user:n" strings. */
    private final JobQueue<String> queue = new JobQueue<>(3, 5, 3, job -> job.substring(0, job.indexOf(':')));

    @Test
    void startsOldestFirstButNeverTwoOfOneUser() {
        List.of("ann:1", "ann:2", "bob:1", "cid:1", "dan:1").forEach(queue::add);

        assertThat(startable()).containsExactly("ann:1", "bob:1", "cid:1");
        assertThat(queue.position("ann:2")).isEqualTo(1);
        assertThat(queue.position("dan:1")).isEqualTo(2);

        queue.finished("ann:1");
        assertThat(startable()).containsExactly("ann:2");
        queue.finished("bob:1");
        assertThat(startable()).containsExactly("dan:1");
        assertThat(queue.runningCount()).isEqualTo(3);
        assertThat(queue.queuedCount()).isZero();
    }

    @Test
    void aUserWithManyJobsDoesNotHoldOthersBack() {
        List.of("ann:1", "ann:2", "ann:3", "bob:1").forEach(queue::add);

        assertThat(startable()).containsExactly("ann:1", "bob:1");
    }

    @Test
    void refusesAFourthJobOfOneUserAndAFullQueue() {
        List.of("ann:1", "ann:2", "ann:3").forEach(queue::add);
        assertThatThrownBy(() -> queue.add("ann:4")).isInstanceOf(ProblemException.class)
                .satisfies(e -> assertThat(((ProblemException) e).slug()).isEqualTo("job-queue-full"));

        List.of("bob:1", "cid:1").forEach(queue::add);
        assertThatThrownBy(() -> queue.add("dan:1")).isInstanceOf(ProblemException.class)
                .satisfies(e -> assertThat(((ProblemException) e).status()).isEqualTo(429));
    }

    @Test
    void runningJobsCountAgainstTheUserLimit() {
        queue.add("ann:1");
        startable();
        queue.add("ann:2");
        queue.add("ann:3");

        assertThatThrownBy(() -> queue.add("ann:4")).isInstanceOf(ProblemException.class);
        queue.finished("ann:1");
        queue.add("ann:4");
    }

    @Test
    void aCancelledQueuedJobLeavesTheQueue() {
        queue.add("ann:1");
        queue.add("bob:1");

        assertThat(queue.removeQueued("ann:1")).isTrue();
        assertThat(queue.removeQueued("ann:1")).isFalse();
        assertThat(queue.hasActive("ann")).isFalse();
        assertThat(queue.position("bob:1")).isEqualTo(1);
    }

    @Test
    void aJobStartsOnlyWhenTheHeadroomCoversItsNeedAndGetsTheHeadroomLeft() {
        List.of("ann:1", "bob:1", "cid:1").forEach(queue::add);

        List<JobQueue.Admitted<String>> started = queue.takeStartable(400, need(Map.of("ann:1", 150L, "bob:1", 200L, "cid:1", 100L)), job -> 0);

        assertThat(started).containsExactly(new JobQueue.Admitted<>("ann:1", 150, 400), new JobQueue.Admitted<>("bob:1", 200, 250));
        assertThat(queue.waitingFor("cid:1")).as("50 left, 100 needed").isEqualTo(JobQueue.Wait.MEMORY);
        assertThat(JobQueue.Wait.MEMORY.wire()).isEqualTo("memory");
    }

    @Test
    void aRunningJobReservesWhatItHasNotYetUsedOfItsNeed() {
        List.of("ann:1", "bob:1").forEach(queue::add);
        assertThat(queue.takeStartable(300, job -> 150, job -> 0)).extracting(JobQueue.Admitted::job).containsExactly("ann:1", "bob:1");
        queue.add("cid:1");

        // The reading already counts what the running jobs use: 100 of ann's 150 and all of bob's 150.
        Map<String, Long> inUse = Map.of("ann:1", 100L, "bob:1", 150L);
        assertThat(queue.takeStartable(120, job -> 100, job -> inUse.getOrDefault(job, 0L))).as("120 - 50 still reserved by ann").isEmpty();
        assertThat(queue.takeStartable(160, job -> 100, job -> inUse.getOrDefault(job, 0L)))
                .containsExactly(new JobQueue.Admitted<>("cid:1", 100, 110));
    }

    @Test
    void aJobWaitingForMemoryIsNotOvertakenBySmallerOnesBehindIt() {
        queue.add("ann:1");
        queue.takeStartable(Long.MAX_VALUE, job -> 100, job -> 0);
        List.of("bob:1", "cid:1").forEach(queue::add);
        ToLongFunction<String> needs = need(Map.of("bob:1", 500L, "cid:1", 10L));

        assertThat(queue.takeStartable(50, needs, job -> 100)).isEmpty();
        assertThat(queue.waitingFor("bob:1")).isEqualTo(JobQueue.Wait.MEMORY);
        assertThat(queue.waitingFor("cid:1")).as("it would fit, but bob:1 came first").isEqualTo(JobQueue.Wait.MEMORY);

        assertThat(queue.takeStartable(600, needs, job -> 100)).extracting(JobQueue.Admitted::job).containsExactly("bob:1", "cid:1");
    }

    @Test
    void theOldestJobStartsWhenNothingRunsWhateverTheHeadroom() {
        List.of("ann:1", "bob:1").forEach(queue::add);

        assertThat(queue.takeStartable(-200, job -> 100, job -> 0)).containsExactly(new JobQueue.Admitted<>("ann:1", 100, -200));
        assertThat(queue.waitingFor("bob:1")).isEqualTo(JobQueue.Wait.MEMORY);
        assertThat(queue.position("bob:1")).isEqualTo(1);

        queue.finished("ann:1");
        assertThat(queue.takeStartable(-200, job -> 100, job -> 0)).extracting(JobQueue.Admitted::job).containsExactly("bob:1");
        assertThat(queue.waitingFor("bob:1")).as("no longer waiting").isNull();
    }

    @Test
    void eachWaitingJobSaysWhy() {
        List.of("ann:1", "ann:2", "bob:1", "cid:1", "dan:1").forEach(queue::add);
        assertThat(queue.waitingFor("ann:1")).as("no pass looked at it yet").isNull();

        assertThat(startable()).containsExactly("ann:1", "bob:1", "cid:1");

        assertThat(queue.waitingFor("ann:2")).isEqualTo(JobQueue.Wait.DATABASE);
        assertThat(queue.waitingFor("dan:1")).isEqualTo(JobQueue.Wait.SLOT);
        assertThat(queue.waitingFor("ann:1")).as("running").isNull();
        queue.removeQueued("dan:1");
        assertThat(queue.waitingFor("dan:1")).as("left").isNull();
    }

    @Test
    void checksItsArguments() {
        assertThatThrownBy(() -> new JobQueue<String>(0, 1, 1, job -> job)).hasMessageContaining("at least 1");
    }

    /** The jobs that start when memory is no concern. */
    private List<String> startable() {
        return queue.takeStartable(Long.MAX_VALUE, job -> 0, job -> 0).stream().map(JobQueue.Admitted::job).toList();
    }

    private static ToLongFunction<String> need(Map<String, Long> needs) {
        return needs::get;
    }
}
