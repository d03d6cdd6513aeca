package dev.decode.runner.jobs;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.decode.runner.platform.Postgres;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/** Job records in PostgreSQL. */
@ApplicationScoped
class JobStore {

    private static final String COLUMNS = "id, command, args::text as args, status, created_at, started_at, finished_at, "
            + "exit_code, progress_completed, progress_total, nodes::text as nodes";

    /** A job left queued or running by a service that stopped. */
    record Unfinished(String id, Long pgid) {
    }

    private final Postgres postgres;
    private final ObjectMapper json;

    JobStore(Postgres postgres, ObjectMapper json) {
        this.postgres = postgres;
        this.json = json;
    }

    Uni<Void> insert(String username, JobView job) {
        return postgres.execute("insert into jobs (id, username, command, args, status, created_at) values ($1, $2, $3, $4::text::jsonb, $5, $6)",
                Tuple.of(job.id(), username, job.command(), write(job.args()), job.status().wire(), utc(job.createdAt())))
                .replaceWithVoid();
    }

    Uni<Void> delete(String id) {
        return postgres.execute("delete from jobs where id = $1", Tuple.of(id)).replaceWithVoid();
    }

    Uni<Void> started(String id, Instant startedAt) {
        return postgres.execute("update jobs set status = 'running', started_at = $2 where id = $1",
                Tuple.of(id, utc(startedAt))).replaceWithVoid();
    }

    Uni<Void> processGroup(String id, long pgid) {
        return postgres.execute("update jobs set pgid = $2 where id = $1", Tuple.of(id, pgid)).replaceWithVoid();
    }

    /** Progress and nodes of a running job, so that a job the service loses while it runs keeps them. */
    Uni<Void> progressed(JobView job) {
        return postgres.execute("update jobs set progress_completed = $2, progress_total = $3, nodes = $4::text::jsonb "
                        + "where id = $1 and status = 'running'",
                Tuple.of(job.id(), job.progress().completed(), job.progress().total(), write(job.nodes())))
                .replaceWithVoid();
    }

    /** The final state, with the peak private memory (USS) of the job's processes (null when none was sampled). */
    Uni<Void> finished(JobView job, Long peakMemory) {
        return postgres.execute("update jobs set status = $2, started_at = $3, finished_at = $4, exit_code = $5, "
                        + "progress_completed = $6, progress_total = $7, nodes = $8::text::jsonb, peak_memory_bytes = $9 where id = $1",
                Tuple.from(Arrays.asList(job.id(), job.status().wire(), utc(job.startedAt()), utc(job.finishedAt()),
                        job.exitCode(), job.progress().completed(), job.progress().total(), write(job.nodes()), peakMemory)))
                .replaceWithVoid();
    }

    /** The peak private memory of the learner's last job of {@code command} that ran to its end and recorded one. */
    Uni<Optional<Long>> lastPeakMemory(String username, String command) {
        return postgres.execute("select peak_memory_bytes from jobs where username = $1 and command = $2 "
                        + "and status in ('succeeded', 'failed') and peak_memory_bytes is not null order by created_at desc limit 1",
                Tuple.of(username, command))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getLong(0)));
    }

    Uni<Optional<JobView>> find(String username, String id) {
        return postgres.execute("select " + COLUMNS + " from jobs where id = $1 and username = $2", Tuple.of(id, username))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(toView(rows.iterator().next())));
    }

    Uni<List<JobView>> list(String username, Optional<JobStatus> status, int limit) {
        return postgres.execute("select " + COLUMNS + " from jobs where username = $1 and ($2::text is null or status = $2) "
                        + "order by created_at desc, id limit $3",
                Tuple.of(username, status.map(JobStatus::wire).orElse(null), limit))
                .map(rows -> rows(rows, this::toView));
    }

    Uni<List<Unfinished>> unfinished() {
        return postgres.execute("select id, pgid from jobs where status in ('queued', 'running')", Tuple.tuple())
                .map(rows -> rows(rows, row -> new Unfinished(row.getString("id"), row.getLong("pgid"))));
    }

    Uni<Integer> interrupt(List<String> ids, Instant now) {
        return postgres.execute("update jobs set status = 'interrupted', finished_at = $2 where id = any($1) and status in ('queued', 'running')",
                Tuple.of(ids.toArray(String[]::new), utc(now))).map(rows -> rows.rowCount());
    }

    private JobView toView(Row row) {
        return new JobView(row.getString("id"), row.getString("command"), read(row.getString("args"), new TypeReference<List<String>>() { }),
                JobStatus.fromWire(row.getString("status")).orElseThrow(), null, null, instant(row, "created_at"),
                instant(row, "started_at"), instant(row, "finished_at"), row.getInteger("exit_code"),
                new JobView.Progress(row.getInteger("progress_completed"), row.getInteger("progress_total")),
                read(row.getString("nodes"), new TypeReference<List<JobView.Node>>() { }));
    }

    private static <T> List<T> rows(RowSet<Row> rows, Function<Row, T> mapper) {
        List<T> items = new ArrayList<>();
        rows.forEach(row -> items.add(mapper.apply(row)));
        return items;
    }

    private static Instant instant(Row row, String column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("job fields always serialize", e);
        }
    }

    private <T> T read(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored job field is not the JSON it was written as", e);
        }
    }
}
