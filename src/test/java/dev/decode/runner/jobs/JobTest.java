package dev.decode.runner.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

class JobTest {

    private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private final ObjectMapper json = new ObjectMapper();
    private final Job job = new Job("j1", "ann", new DbtCommand("build", List.of("build")), clock);

    @Test
    void runsToSucceededOrFailedByExitCode() {
        job.start();
        assertThat(job.finish(0)).isEqualTo(JobStatus.SUCCEEDED);

        Job other = new Job("j2", "ann", new DbtCommand("build", List.of("build")), clock);
        other.start();
        assertThat(other.finish(1)).isEqualTo(JobStatus.FAILED);
        assertThat(other.view().exitCode()).isEqualTo(1);
    }

    @Test
    void aStopReasonDecidesTheEndAndTheFirstReasonWins() {
        job.start();
        assertThat(job.stop(Job.StopReason.CANCELLED)).isTrue();
        job.stop(Job.StopReason.TIMED_OUT);

        assertThat(job.finish(2)).isEqualTo(JobStatus.CANCELLED);
        assertThat(job.stop(Job.StopReason.CANCELLED)).isFalse();
    }

    @Test
    void refusesTransitionsOutOfOrder() {
        assertThatThrownBy(() -> job.finish(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("queued");
        job.cancelQueued();
        assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
        assertThatThrownBy(job::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void dbtEventsFillNodesAndProgress() {
        job.start();
        assertThat(job.apply(event("{\"data\":{\"node_count\":2},\"info\":{\"name\":\"ConcurrencyLine\",\"level\":\"info\",\"msg\":\"Concurrency: 1 threads\"}}")))
                .isTrue();
        job.apply(event(node("LogStartLine", "model.p.a", "started", null)));
        assertThat(job.progress()).isEqualTo(new JobView.Progress(0, 2));

        assertThat(job.apply(event(node("LogModelResult", "model.p.a", "error", 0.25)))).isTrue();
        job.apply(event("{\"data\":{\"node_info\":{\"unique_id\":\"model.p.a\",\"node_status\":\"None\"}},"
                + "\"info\":{\"name\":\"RunResultError\",\"level\":\"error\",\"msg\":\"  Catalog Error: no table nope\"}}"));

        JobView.Node node = job.view().nodes().get(0);
        assertThat(node).isEqualTo(new JobView.Node("model.p.a", "model", "error", 0.25, "Catalog Error: no table nope"));
        assertThat(job.progress()).isEqualTo(new JobView.Progress(1, 2));
    }

    @Test
    void aLineThatIsNotJsonStaysPlainText() {
        DbtEvent event = DbtEvent.parse("Traceback (most recent call last):", json);

        assertThat(event.msg()).isEqualTo("Traceback (most recent call last):");
        assertThat(event.nodeId()).isNull();
        assertThat(DbtEvent.parse("{not json", json).msg()).isEqualTo("{not json");
    }

    private DbtEvent event(String line) {
        return DbtEvent.parse(line, json);
    }

    private static String node(String name, String id, String status, Double time) {
        return "{\"data\":{\"index\":1,\"total\":2," + (time == null ? "" : "\"execution_time\":" + time + ",")
                + "\"node_info\":{\"unique_id\":\"" + id + "\",\"resource_type\":\"model\",\"node_status\":\"" + status + "\"}},"
                + "\"info\":{\"name\":\"" + name + "\",\"level\":\"info\",\"msg\":\"1 of 2 " + status + "\"}}";
    }
}
