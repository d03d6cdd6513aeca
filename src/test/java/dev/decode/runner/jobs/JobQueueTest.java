package dev.decode.runner.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.decode.runner.platform.errors.ProblemException;

class JobQueueTest {

    /** Jobs are "user:n" strings. */
    private final JobQueue<String> queue = new JobQueue<>(3, 5, 3, job -> job.substring(0, job.indexOf(':')));

    @Test
    void startsOldestFirstButNeverTwoOfOneUser() {
        List.of("ann:1", "ann:2", "bob:1", "cid:1", "dan:1").forEach(queue::add);

        assertThat(queue.takeStartable()).containsExactly("ann:1", "bob:1", "cid:1");
        assertThat(queue.position("ann:2")).isEqualTo(1);
        assertThat(queue.position("dan:1")).isEqualTo(2);

        queue.finished("ann:1");
        assertThat(queue.takeStartable()).containsExactly("ann:2");
        queue.finished("bob:1");
        assertThat(queue.takeStartable()).containsExactly("dan:1");
        assertThat(queue.runningCount()).isEqualTo(3);
        assertThat(queue.queuedCount()).isZero();
    }

    @Test
    void aUserWithManyJobsDoesNotHoldOthersBack() {
        List.of("ann:1", "ann:2", "ann:3", "bob:1").forEach(queue::add);

        assertThat(queue.takeStartable()).containsExactly("ann:1", "bob:1");
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
        queue.takeStartable();
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
    void checksItsArguments() {
        assertThatThrownBy(() -> new JobQueue<String>(0, 1, 1, job -> job)).hasMessageContaining("at least 1");
    }
}
