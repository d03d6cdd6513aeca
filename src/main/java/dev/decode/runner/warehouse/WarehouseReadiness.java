package dev.decode.runner.warehouse;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready unless creating the learn catalog failed. It does not open DuckDB itself: that would load DuckDB's library into
 * a service nobody has queried yet (see {@link LearnCatalog}); the first query or job loads it, and a failure then
 * turns this check DOWN until the catalog is created.
 */
@Readiness
@ApplicationScoped
class WarehouseReadiness implements HealthCheck {

    private final WarehouseConfig config;
    private final WarehousePool pool;
    private final LearnCatalog learnCatalog;

    WarehouseReadiness(WarehouseConfig config, WarehousePool pool, LearnCatalog learnCatalog) {
        this.config = config;
        this.pool = pool;
        this.learnCatalog = learnCatalog;
    }

    @Override
    public HealthCheckResponse call() {
        WarehousePool.Stats stats = pool.stats();
        boolean local = config.motherduckToken().isEmpty();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("Warehouse (DuckDB)")
                .withData("mode", local ? "local" : "motherduck")
                .withData("openConnections", stats.open())
                .withData("inUse", stats.inUse());
        if (!local) {
            return response.up().build();
        }
        response.withData("learnCatalog", learnCatalog.isReady() ? "ready" : "created on first use");
        return learnCatalog.failure()
                .map(failure -> response.down().withData("error", "the learn catalog could not be created: " + failure).build())
                .orElseGet(() -> response.up().build());
    }
}
