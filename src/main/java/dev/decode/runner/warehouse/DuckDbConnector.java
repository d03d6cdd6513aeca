package dev.decode.runner.warehouse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Opens a user's sandboxed DuckDB connection: their own database read/write, {@code learn} attached read-only, and
 * then external access off and the configuration locked, so that DuckDB itself refuses files, URLs, extensions and
 * setting changes. Connections to one file share one DuckDB instance, so the sandbox is set up once per instance.
 */
@ApplicationScoped
public class DuckDbConnector {

    private final WarehouseFiles files;
    private final LearnCatalog learnCatalog;
    private final WarehouseConfig config;

    DuckDbConnector(WarehouseFiles files, LearnCatalog learnCatalog, WarehouseConfig config) {
        this.files = files;
        this.learnCatalog = learnCatalog;
        this.config = config;
    }

    /** Blocking. Callers serialise opens per user (the instance set-up is not idempotent under a race). */
    public Connection open(String username) throws SQLException {
        Connection connection = config.motherduckToken().isPresent()
                ? DuckDb.connect(MotherDuck.jdbcUrl(username), streaming(MotherDuck.properties(config.motherduckToken().get())))
                : DuckDb.connect("jdbc:duckdb:" + localFile(username), streaming(new Properties()));
        try {
            if (!isSandboxed(connection)) {
                try (Statement statement = connection.createStatement()) {
                    for (String sql : sandbox()) {
                        statement.execute(sql);
                    }
                }
            }
            return connection;
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** Rows come from DuckDB as they are read, so a result larger than maxRows is never materialised. */
    static Properties streaming(Properties properties) {
        properties.setProperty("jdbc_stream_results", "true");
        return properties;
    }

    List<String> sandbox() {
        String learn = config.motherduckToken().isPresent()
                ? MotherDuck.attachLearn()
                : "attach '" + learnCatalog.path().toString().replace("'", "''") + "' as " + WarehouseFiles.LEARN + " (read_only)";
        return List.of(
                learn,
                "set memory_limit = '" + config.memoryLimit().replace("'", "") + "'",
                "set threads = " + config.threads(),
                "set autoinstall_known_extensions = false",
                "set autoload_known_extensions = false",
                "set enable_external_access = false",
                "set lock_configuration = true");
    }

    private Path localFile(String username) {
        Path file = files.database(username);
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create the directory of " + file.getFileName(), e);
        }
        return file;
    }

    private static boolean isSandboxed(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("select current_setting('lock_configuration')")) {
            return rs.next() && rs.getBoolean(1);
        }
    }
}
