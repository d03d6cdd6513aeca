package dev.decode.runner.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/** How a running job's progress reaches PostgreSQL: one write at a time, each with the newest state. */
class NewestOnlyTest {

    private final List<Integer> written = new ArrayList<>();
    private final List<UniEmitter<? super Void>> pending = new ArrayList<>();
    private final JobRunner.NewestOnly<Integer> progress = new JobRunner.NewestOnly<>(value -> Uni.createFrom().emitter(emitter -> {
        written.add(value);
        pending.add(emitter);
    }));

    @Test
    void valuesOfferedWhileAWriteIsUnderWayCollapseIntoTheNewest() {
        progress.offer(1);
        progress.offer(2);
        progress.offer(3);
        assertThat(written).containsExactly(1);

        pending.get(0).complete(null);

        assertThat(written).containsExactly(1, 3);
        pending.get(1).complete(null);
        assertThat(written).containsExactly(1, 3);
    }

    @Test
    void aFailedWriteDoesNotStopTheNextOne() {
        progress.offer(1);
        progress.offer(2);

        pending.get(0).fail(new IllegalStateException("PostgreSQL unreachable"));

        assertThat(written).containsExactly(1, 2);
    }
}
