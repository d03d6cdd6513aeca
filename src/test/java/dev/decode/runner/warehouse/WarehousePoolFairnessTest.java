package dev.decode.runner.warehouse;

import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Lent work that waits for a connection gets one in the order it came, one per returned connection. */
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
    void queuedWorkRunsInArrivalOrderOnTheThreadThatFreedTheConnection() throws Exception {
        String username = uniqueUsername("turns");
        List<String> served = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        CountDownLatch finished = new CountDownLatch(4);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> holder = new CompletableFuture<>();
        CompletableFuture<Void> held = CompletableFuture.runAsync(() -> {
            try {
                Lent.withConnection(pool, username, connection -> {
                    holder.complete(Thread.currentThread().getName());
                    release.await();
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        String holderThread = holder.get(10, TimeUnit.SECONDS);
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

        release.countDown();
        held.get(10, TimeUnit.SECONDS);
        assertThat(finished.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(served).containsExactly("work-0", "work-1", "work-2", "work-3");
        assertThat(threads).as("the thread that freed the connection runs the line; nobody is woken per connection")
                .containsOnly(holderThread);
        assertThat(pool.stats().open()).isEqualTo(1);
        assertThat(pool.stats().inUse()).isZero();
        assertThat(pool.stats().waiting()).isZero();
    }
}
