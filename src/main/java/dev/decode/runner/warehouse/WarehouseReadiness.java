package dev.decode.runner.warehouse;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready when DuckDB loads and, in local mode, the learn catalog is in place. Runs on a worker thread. */
@Readiness
@ApplicationScoped
class WarehouseReadiness implements HealthCheck {

    private final WarehouseFiles files;
    private final WarehouseConfig config;
    private final WarehousePool pool;

    WarehouseReadiness(WarehouseFiles files, WarehouseConfig config, WarehousePool pool) {
        this.files = files;
        this.config = config;
        this.pool = pool;
    }

    @Override
    public HealthCheckResponse call() {
        WarehousePool.Stats stats = pool.stats();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("Warehouse (DuckDB)")
                .withData("mode", config.motherduckToken().isPresent() ? "motherduck" : "local")
                .withData("openConnections", stats.open())
                .withData("inUse", stats.inUse());
        try (Connection connection = DuckDb.connect("jdbc:duckdb:"); Statement statement = connection.createStatement()) {
            statement.execute("select 1");
        } catch (SQLException | RuntimeException e) {
            return response.down().withData("error", "DuckDB did not load").build();
        }
        if (config.motherduckToken().isEmpty() && !Files.isReadable(files.learnCatalog())) {
            return response.down().withData("error", "the learn catalog is missing").build();
        }
        return response.up().build();
    }
}
