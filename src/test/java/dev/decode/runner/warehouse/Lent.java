package dev.decode.runner.warehouse;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A pooled connection lent for a test's work on the pool's worker, the test waiting for it. */
final class Lent {

    interface Work {
        void run(PooledConnection connection) throws Exception;
    }

    private Lent() {
    }

    /** Runs {@code work} with a connection of {@code username}'s database when its turn comes; rethrows its failure. */
    static void withConnection(WarehousePool pool, String username, Work work) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pool.lend(username, new WarehousePool.Lending() {
            @Override
            public void run(PooledConnection connection) {
                try (connection) {
                    work.run(connection);
                    done.complete(null);
                } catch (Throwable failure) {
                    done.completeExceptionally(failure);
                }
            }

            @Override
            public void refused(Exception reason) {
                done.completeExceptionally(reason);
            }
        });
        try {
            done.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
