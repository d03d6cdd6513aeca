package dev.decode.runner.warehouse;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.StreamSupport;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.decode.runner.platform.Postgres;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The query history in PostgreSQL. Entries are written in batches after the answer is sent; until one is committed it
 * is kept here, so that the learner's next history read already shows it (read-your-writes), and so that a PostgreSQL
 * outage delays it instead of losing it. What is kept is bounded ({@code runner.warehouse.history-buffer}); an entry
 * that does not fit is dropped, counted in {@code runner.warehouse.history.dropped} and logged once per overflow.
 */
@ApplicationScoped
class QueryHistoryStore {

    private static final Logger LOG = Logger.getLogger(QueryHistoryStore.class);
    private static final int MAX_BATCH = 500;
    /**
     * A write waits this long after the one before: a statement costs PostgreSQL about as much as four of its rows, so
     * under load it should carry tens of entries, not the few that arrive during one round trip.
     */
    private static final long GATHER_MILLIS = 5;
    /** While PostgreSQL cannot be reached, a write is tried again this often. */
    private static final long RETRY_MILLIS = 1_000;
    /** What an entry costs besides its text: the record, its id, the queue and map nodes. */
    private static final long ENTRY_OVERHEAD_BYTES = 200;
    /**
     * One statement per batch, its rows passed as arrays: PostgreSQL plans and starts it once, not once per row. A row
     * of a user deleted meanwhile is skipped, since one failing row would fail the whole batch; so is a row already
     * stored, so that a batch whose answer was lost can be sent again.
     */
    private static final String INSERT = "insert into query_history (id, username, sql, status, row_count, elapsed_ms, error, created_at)"
            + " select e.* from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::bigint[], $7::text[],"
            + " $8::timestamptz[]) as e (id, username, sql, status, row_count, elapsed_ms, error, created_at)"
            + " where exists (select 1 from users u where u.username = e.username) on conflict (id) do nothing";
    private static final Comparator<Entry> NEWEST_FIRST = Comparator.comparing(Entry::createdAt)
            .thenComparing(Entry::id).reversed();

    private final Postgres postgres;
    private final Vertx vertx;
    private final long capacityBytes;
    private final Counter dropped;
    /** Entries waiting for a write, oldest first. */
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    /** Every entry recorded and not yet committed, by id: waiting, or in a write under way. */
    private final Map<String, Pending> unwritten = new ConcurrentHashMap<>();
    private final AtomicLong unwrittenBytes = new AtomicLong();
    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicBoolean overflowLogged = new AtomicBoolean();

    QueryHistoryStore(Postgres postgres, Vertx vertx, WarehouseConfig config, MeterRegistry registry) {
        this.postgres = postgres;
        this.vertx = vertx;
        this.capacityBytes = config.historyBuffer().asLongValue();
        this.dropped = Counter.builder("runner.warehouse.history.dropped")
                .description("Query history entries dropped because the buffer for unwritten entries was full").register(registry);
        Gauge.builder("runner.warehouse.history.unwritten", unwritten, Map::size)
                .description("Query history entries recorded and not yet stored in PostgreSQL").register(registry);
    }

    @RegisterForReflection
    public record Entry(String id, String sql, String status, Integer rowCount, Long elapsedMs, Instant createdAt, String error) {
    }

    private record Pending(String username, Entry entry, long bytes) {
    }

    /**
     * Queues the entry and returns at once; it is written at once when no write is under way. Entries that arrive
     * while one is go together in the next, so under load PostgreSQL sees one statement for many queries.
     */
    void record(String username, Entry entry) {
        Pending next = new Pending(username, entry, bytes(entry));
        if (unwrittenBytes.addAndGet(next.bytes()) > capacityBytes) {
            unwrittenBytes.addAndGet(-next.bytes());
            dropped.increment();
            if (overflowLogged.compareAndSet(false, true)) {
                LOG.warnf("Query history buffer full, dropping entries until PostgreSQL catches up capacityBytes=%d unwritten=%d",
                        capacityBytes, unwritten.size());
            }
            return;
        }
        unwritten.put(entry.id(), next);
        pending.add(next);
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
        postgres.execute(INSERT, columns(batch)).subscribe().with(ignored -> {
            forget(batch);
            writeAfter(GATHER_MILLIS);
        }, failure -> {
            if (failure instanceof Postgres.Unavailable) {
                // Kept for the next try; the order of rows in the table does not matter, created_at orders them.
                pending.addAll(batch);
                writeAfter(RETRY_MILLIS);
                return;
            }
            LOG.warnf("Query history not recorded entries=%d reason=%s", batch.size(), failure.getMessage());
            forget(batch);
            writeAfter(GATHER_MILLIS);
        });
    }

    private void forget(List<Pending> batch) {
        long bytes = 0;
        for (Pending written : batch) {
            unwritten.remove(written.entry().id());
            bytes += written.bytes();
        }
        if (unwrittenBytes.addAndGet(-bytes) == 0) {
            overflowLogged.set(false);
        }
    }

    private void writeAfter(long millis) {
        vertx.setTimer(millis, ignored -> writePending());
    }

    private static long bytes(Entry entry) {
        long chars = entry.sql().length() + (entry.error() == null ? 0 : entry.error().length());
        return ENTRY_OVERHEAD_BYTES + 2 * chars;
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

    /**
     * The learner's newest entries, with those not committed yet merged in. They are gathered before PostgreSQL is
     * read: an entry committed after that is in the gathered ones, one committed before it is in the rows read.
     */
    Uni<List<Entry>> newest(String username, int limit) {
        List<Entry> notStored = unwrittenOf(username);
        return postgres.execute("select id, sql, status, row_count, elapsed_ms, error, created_at from query_history"
                + " where username = $1 order by created_at desc, id desc limit $2", Tuple.of(username, limit))
                .map(rows -> {
                    List<Entry> stored = StreamSupport.stream(rows.spliterator(), false).map(QueryHistoryStore::toEntry).toList();
                    return notStored.isEmpty() ? stored : merge(stored, notStored, limit);
                });
    }

    private List<Entry> unwrittenOf(String username) {
        if (unwritten.isEmpty()) {
            return List.of();
        }
        List<Entry> entries = new ArrayList<>();
        for (Pending next : unwritten.values()) {
            if (next.username().equals(username)) {
                entries.add(next.entry());
            }
        }
        return entries;
    }

    private static List<Entry> merge(List<Entry> stored, List<Entry> notStored, int limit) {
        Map<String, Entry> byId = new HashMap<>();
        stored.forEach(entry -> byId.put(entry.id(), entry));
        notStored.forEach(entry -> byId.putIfAbsent(entry.id(), entry));
        return byId.values().stream().sorted(NEWEST_FIRST).limit(limit).toList();
    }

    private static Entry toEntry(Row row) {
        return new Entry(row.getString("id"), row.getString("sql"), row.getString("status"), row.getInteger("row_count"),
                row.getLong("elapsed_ms"), row.getOffsetDateTime("created_at").toInstant(), row.getString("error"));
    }
}
