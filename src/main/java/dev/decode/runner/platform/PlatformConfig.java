package dev.decode.runner.platform;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings every capability shares. Each value is also an environment variable by SmallRye's mapping
 * ({@code runner.data-dir} is {@code RUNNER_DATA_DIR}); {@code DATABASE_URL} and {@code PORT} keep Render's names.
 */
@ConfigMapping(prefix = "runner")
public interface PlatformConfig {

    /** Workspaces, DuckDB databases, job logs and the generated admin token live below it. */
    @WithDefault("./data")
    Path dataDir();

    /** HTTP port; {@code PORT} sets it too (application.properties). */
    @WithDefault("8080")
    int port();

    /**
     * The largest request body of every route but the workspace archive upload, whose limit
     * ({@code runner.workspace.max-archive-size}) is the HTTP server's: large enough for a 1 MiB workspace file plus
     * headroom, so that the file API answers its own 413 quota-exceeded.
     */
    @WithDefault("2M")
    MemorySize maxBodySize();

    /** The admin bearer token; when absent one is generated into {@code <data dir>/admin-token}. */
    Optional<String> adminToken();

    /** {@code postgres://user:pass@host:port/db}; read by {@link DatabaseUrlConfigSourceFactory}, declared here so it validates. */
    Optional<String> databaseUrl();

    Database database();

    interface Database {
        /** How long opening a PostgreSQL connection may take before the request fails. */
        @WithDefault("10s")
        Duration connectTimeout();

        /** Set as {@code statement_timeout} on every connection: no statement holds a pooled connection longer. */
        @WithDefault("30s")
        Duration statementTimeout();

        /** Idle pooled connections are closed after this. */
        @WithDefault("10m")
        Duration idleTimeout();
    }
}
