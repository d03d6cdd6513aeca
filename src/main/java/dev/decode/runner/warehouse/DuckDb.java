package dev.decode.runner.warehouse;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

import org.duckdb.DuckDBDriver;

/**
 * Opens DuckDB connections through the driver itself rather than DriverManager's service lookup, which a native
 * image would otherwise have to be told about.
 */
final class DuckDb {

    private static final DuckDBDriver DRIVER = new DuckDBDriver();

    private DuckDb() {
    }

    static Connection connect(String url, Properties properties) throws SQLException {
        Connection connection = DRIVER.connect(url, properties);
        if (connection == null) {
            throw new SQLException("not a DuckDB URL: " + url);
        }
        return connection;
    }

    static Connection connect(String url) throws SQLException {
        return connect(url, new Properties());
    }
}
