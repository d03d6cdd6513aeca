package dev.decode.runner.warehouse;

import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Borrowers and lent work that wait for a connection get one in the order they came, one per returned connection. */
@QuarkusTest
@TestProfile(WarehousePoolFairnessTest.OneConnection.class)
class WarehousePoolFairnessTest {

    public static class OneConnection implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("runner.warehouse.pool-size", "1", "runner.warehouse.borrow-wait", "20s",
                    "runner.warehouse.idle-sweep-every", "off");
        }
    }

    @Inject
    WarehousePool pool;

    @Test
    void waitingBorrowersAreServedInArrivalOrder() throws Exception {
        String username = uniqueUsername("fair");
        List<String> served = new CopyOnWriteArrayList<>();
        ExecutorService borrowers = Executors.newFixedThreadPool(4);
        try {
            PooledConnection held = pool.borrow(username);
            List<Future<?>> waiting = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String name = "borrower-" + i;
                waiting.add(borrowers.submit(() -> {
                    try (PooledConnection connection = pool.borrow(username)) {
                        served.add(name);
                    }
                    return null;
                }));
                int queued = i + 1;
                await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().waiting() == queued);
            }
            assertThat(served).isEmpty();

            held.close();
            for (Future<?> borrower : waiting) {
                borrower.get(20, TimeUnit.SECONDS);
            }
            assertThat(served).containsExactly("borrower-0", "borrower-1", "borrower-2", "borrower-3");
            assertThat(pool.stats().inUse()).isZero();
            assertThat(pool.stats().open()).isEqualTo(1);
        } finally {
            borrowers.shutdownNow();
        }
    }

    @Test
    void queuedWorkRunsInArrivalOrderOnTheThreadThatFreedTheConnection() throws Exception {
        String username = uniqueUsername("turns");
        List<String> served = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        CountDownLatch finished = new CountDownLatch(4);
        PooledConnection held = pool.borrow(username);
        for (int i = 0; i < 4; i++) {
            String name = "work-" + i;
            pool.lend(username, new WarehousePool.Lending() {
                @Override
                public void run(PooledConnection connection) {
                    try (connection) {
                        served.add(name);
                        threads.add(Thread.currentThread().getName());
                    }
                    finished.countDown();
                }

                @Override
                public void refused(Exception reason) {
                    served.add(name + " refused: " + reason);
                    finished.countDown();
                }
            });
        }
        assertThat(pool.stats().waiting()).isEqualTo(4);
        assertThat(served).isEmpty();

        held.close();
        assertThat(finished.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(served).containsExactly("work-0", "work-1", "work-2", "work-3");
        assertThat(threads).as("one thread runs the line; nobody is woken per connection").containsOnly(threads.get(0));
        assertThat(pool.stats().inUse()).isZero();
        assertThat(pool.stats().waiting()).isZero();
    }
}
