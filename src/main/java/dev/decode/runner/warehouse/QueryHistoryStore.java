package dev.decode.runner.warehouse;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.StreamSupport;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** The query history in PostgreSQL. */
@ApplicationScoped
class QueryHistoryStore {

    private static final Logger LOG = Logger.getLogger(QueryHistoryStore.class);
    private static final int MAX_BATCH = 500;

    private final Pool pool;
    private final Queue<Tuple> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writing = new AtomicBoolean();

    QueryHistoryStore(Pool pool) {
        this.pool = pool;
    }

    @RegisterForReflection
    public record Entry(String id, String sql, String status, Integer rowCount, Long elapsedMs, Instant createdAt, String error) {
    }

    /**
     * Queues the entry and returns at once. Entries that arrive while a write is in flight go together in the next
     * one, so under load PostgreSQL sees one pipelined batch instead of one round trip per query.
     */
    void record(String username, Entry entry) {
        pending.add(Tuple.from(java.util.Arrays.asList(entry.id(), username, entry.sql(), entry.status(), entry.rowCount(),
                entry.elapsedMs(), entry.error(), entry.createdAt().atOffset(ZoneOffset.UTC))));
        if (writing.compareAndSet(false, true)) {
            writePending();
        }
    }

    private void writePending() {
        List<Tuple> batch = new ArrayList<>();
        for (Tuple next = pending.poll(); next != null && batch.size() < MAX_BATCH; next = pending.poll()) {
            batch.add(next);
        }
        if (batch.isEmpty()) {
            writing.set(false);
            if (!pending.isEmpty() && writing.compareAndSet(false, true)) {
                writePending();
            }
            return;
        }
        // One failing row would fail the whole pipelined batch, so a row of a user deleted meanwhile is skipped instead.
        pool.preparedQuery("insert into query_history (id, username, sql, status, row_count, elapsed_ms, error, created_at)"
                + " select $1::text, $2::text, $3::text, $4::text, $5::integer, $6::bigint, $7::text, $8::timestamptz"
                + " where exists (select 1 from users where username = $2::text) on conflict do nothing")
                .executeBatch(batch)
                .subscribe().with(ignored -> writePending(), failure -> {
                    LOG.warnf("Query history not recorded entries=%d reason=%s", batch.size(), failure.getMessage());
                    writePending();
                });
    }

    Uni<List<Entry>> newest(String username, int limit) {
        return pool.preparedQuery("select id, sql, status, row_count, elapsed_ms, error, created_at from query_history"
                + " where username = $1 order by created_at desc, id desc limit $2")
                .execute(Tuple.of(username, limit))
                .map(rows -> StreamSupport.stream(rows.spliterator(), false).map(QueryHistoryStore::toEntry).toList());
    }

    private static Entry toEntry(Row row) {
        return new Entry(row.getString("id"), row.getString("sql"), row.getString("status"), row.getInteger("row_count"),
                row.getLong("elapsed_ms"), row.getOffsetDateTime("created_at").toInstant(), row.getString("error"));
    }
}
