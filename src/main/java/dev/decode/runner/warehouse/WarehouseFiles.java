package dev.decode.runner.warehouse;

import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;

import dev.decode.runner.platform.PlatformConfig;
import dev.decode.runner.platform.UserDirectories;

/** Where the DuckDB files live: one per user below their directory, and the shared sample catalog. */
@ApplicationScoped
public class WarehouseFiles {

    /** The name under which the sample catalog is attached, in queries and in dbt profiles. */
    public static final String LEARN = "learn";

    private final UserDirectories users;
    private final Path learn;

    WarehouseFiles(UserDirectories users, PlatformConfig config) {
        this.users = users;
        this.learn = config.dataDir().toAbsolutePath().normalize().resolve("learn.duckdb");
    }

    /** The user's own database, which their queries read and write and their dbt jobs build into. */
    public Path database(String username) {
        return users.of(username).resolve("warehouse.duckdb");
    }

    public Path learnCatalog() {
        return learn;
    }
}
