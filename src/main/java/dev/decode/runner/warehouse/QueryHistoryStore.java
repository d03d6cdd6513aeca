package dev.decode.runner.warehouse;

import java.time.Instant;
import java.time.OffsetDateTime;
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
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** The query history in PostgreSQL. */
@ApplicationScoped
class QueryHistoryStore {

    private static final Logger LOG = Logger.getLogger(QueryHistoryStore.class);
    private static final int MAX_BATCH = 500;
    /**
     * A write waits this long after the one before: a statement costs PostgreSQL about as much as four of its rows, so
     * under load it should carry tens of entries, not the few that arrive during one round trip.
     */
    private static final long GATHER_MILLIS = 5;
    /**
     * One statement per batch, its rows passed as arrays: PostgreSQL plans and starts it once, not once per row. A row
     * of a user deleted meanwhile is skipped, since one failing row would fail the whole batch.
     */
    private static final String INSERT = "insert into query_history (id, username, sql, status, row_count, elapsed_ms, error, created_at)"
            + " select e.* from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::bigint[], $7::text[],"
            + " $8::timestamptz[]) as e (id, username, sql, status, row_count, elapsed_ms, error, created_at)"
            + " where exists (select 1 from users u where u.username = e.username)";

    private final Pool pool;
    private final Vertx vertx;
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writing = new AtomicBoolean();

    QueryHistoryStore(Pool pool, Vertx vertx) {
        this.pool = pool;
        this.vertx = vertx;
    }

    @RegisterForReflection
    public record Entry(String id, String sql, String status, Integer rowCount, Long elapsedMs, Instant createdAt, String error) {
    }

    private record Pending(String username, Entry entry) {
    }

    /**
     * Queues the entry and returns at once; it is written at once when no write is under way. Entries that arrive
     * while one is go together in the next, so under load PostgreSQL sees one statement for many queries.
     */
    void record(String username, Entry entry) {
        pending.add(new Pending(username, entry));
        if (writing.compareAndSet(false, true)) {
            writePending();
        }
    }

    private void writePending() {
        List<Pending> batch = new ArrayList<>();
        for (Pending next = pending.poll(); next != null; next = batch.size() < MAX_BATCH ? pending.poll() : null) {
            batch.add(next);
        }
        if (batch.isEmpty()) {
            writing.set(false);
            if (!pending.isEmpty() && writing.compareAndSet(false, true)) {
                writePending();
            }
            return;
        }
        pool.preparedQuery(INSERT).execute(columns(batch))
                .subscribe().with(ignored -> writeNext(), failure -> {
                    LOG.warnf("Query history not recorded entries=%d reason=%s", batch.size(), failure.getMessage());
                    writeNext();
                });
    }

    private void writeNext() {
        vertx.setTimer(GATHER_MILLIS, ignored -> writePending());
    }

    private static Tuple columns(List<Pending> batch) {
        int size = batch.size();
        String[] ids = new String[size];
        String[] usernames = new String[size];
        String[] sqls = new String[size];
        String[] statuses = new String[size];
        Integer[] rowCounts = new Integer[size];
        Long[] elapsed = new Long[size];
        String[] errors = new String[size];
        OffsetDateTime[] createdAt = new OffsetDateTime[size];
        for (int i = 0; i < size; i++) {
            Entry entry = batch.get(i).entry();
            ids[i] = entry.id();
            usernames[i] = batch.get(i).username();
            sqls[i] = storable(entry.sql());
            statuses[i] = entry.status();
            rowCounts[i] = entry.rowCount();
            elapsed[i] = entry.elapsedMs();
            errors[i] = storable(entry.error());
            createdAt[i] = entry.createdAt().atOffset(ZoneOffset.UTC);
        }
        return Tuple.from(List.of(ids, usernames, sqls, statuses, rowCounts, elapsed, errors, createdAt));
    }

    /** PostgreSQL's text cannot hold NUL; refused, it would take the whole batch down with it. */
    private static String storable(String text) {
        return text == null || text.indexOf('\0') < 0 ? text : text.replace('\0', '\uFFFD');
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
