package dev.decode.runner.warehouse;

import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.decode.runner.platform.TimeOrderedIds;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

@QuarkusTest
class QueryHistoryStoreTest {

    @Inject
    QueryHistoryStore history;

    @Inject
    Pool pool;

    @Test
    void everyQueuedEntryIsStoredAcrossFullBatches() {
        String username = uniqueUsername("many");
        createUser(username);
        int entries = 1_234; // more than two full batches: none may fall between them
        Instant first = Instant.now();
        for (int i = 0; i < entries; i++) {
            history.record(username, entry("select " + i, first.plusMillis(i)));
        }

        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(stored(username)).isEqualTo(entries));
        List<QueryHistoryStore.Entry> newest = history.newest(username, 1).await().indefinitely();
        assertThat(newest).extracting(QueryHistoryStore.Entry::sql).containsExactly("select " + (entries - 1));
    }

    @Test
    void aDeletedUsersEntryOrATextWithNulDoesNotCostTheOthersInItsBatch() {
        String username = uniqueUsername("kept");
        createUser(username);
        String gone = uniqueUsername("gone"); // never created: its rows have no user, like a user deleted meanwhile

        Instant first = Instant.now();
        for (int i = 0; i < 50; i++) {
            history.record(i % 2 == 0 ? gone : username, entry("select " + i, first.plusMillis(i)));
        }
        history.record(username, entry("select 'a\0b'", first.plusSeconds(1)));

        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(stored(username)).isEqualTo(26));
        assertThat(stored(gone)).isZero();
        assertThat(history.newest(username, 1).await().indefinitely())
                .extracting(QueryHistoryStore.Entry::sql).containsExactly("select 'a\uFFFDb'");
    }

    private static QueryHistoryStore.Entry entry(String sql, Instant at) {
        return new QueryHistoryStore.Entry(TimeOrderedIds.next(at), sql, "succeeded", 1, 2L, at, null);
    }

    private long stored(String username) {
        return pool.preparedQuery("select count(*) from query_history where username = $1").execute(Tuple.of(username))
                .await().indefinitely().iterator().next().getLong(0);
    }
}
