package dev.decode.runner.warehouse;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.StreamSupport;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** The query history in PostgreSQL. */
@ApplicationScoped
class QueryHistoryStore {

    private final Pool pool;

    QueryHistoryStore(Pool pool) {
        this.pool = pool;
    }

    @RegisterForReflection
    public record Entry(String id, String sql, String status, Integer rowCount, Long elapsedMs, Instant createdAt, String error) {
    }

    Uni<Void> insert(String username, Entry entry) {
        return pool.preparedQuery("insert into query_history (id, username, sql, status, row_count, elapsed_ms, error, created_at)"
                + " values ($1, $2, $3, $4, $5, $6, $7, $8)")
                .execute(Tuple.from(java.util.Arrays.asList(entry.id(), username, entry.sql(), entry.status(), entry.rowCount(),
                        entry.elapsedMs(), entry.error(), entry.createdAt().atOffset(ZoneOffset.UTC))))
                .replaceWithVoid();
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
