package dev.decode.runner.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.decode.runner.support.DbtEnvironment;

/**
 * dbt (Python duckdb) builds the learner's database and the service (duckdb_jdbc) queries it, so the two pinned
 * DuckDB versions must read each other's files. This proves it in both directions.
 */
class DuckDbFileCompatibilityTest {

    @TempDir
    Path dir;

    @Test
    void pythonReadsAFileWrittenByTheJdbcDriver() throws Exception {
        Path file = dir.resolve("from_java.duckdb");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            s.execute("create table orders as select range as id, range * 1.5::decimal(10,2) as amount from range(1000)");
        }

        String out = python("import duckdb, sys\n"
                + "c = duckdb.connect(sys.argv[1], read_only=True)\n"
                + "print(c.execute('select count(*), sum(amount) from orders').fetchone())\n", file.toString());

        assertThat(out.trim()).isEqualTo("(1000, Decimal('749250.00'))");
    }

    @Test
    void theJdbcDriverReadsAFileWrittenByPython() throws Exception {
        Path file = dir.resolve("from_python.duckdb");
        python("import duckdb, sys\n"
                + "c = duckdb.connect(sys.argv[1])\n"
                + "c.execute(\"create table customers as select range as id, 'c' || range as name from range(250)\")\n"
                + "c.close()\n", file.toString());

        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select count(*), max(name) from customers")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(250);
            assertThat(rs.getString(2)).isEqualTo("c99");
        }
    }

    private static String python(String script, String arg) throws Exception {
        Process process = new ProcessBuilder(DbtEnvironment.python().toString(), "-c", script, arg)
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("python finished").isTrue();
        assertThat(process.exitValue()).as("python exit code, output: %s", out).isZero();
        return out;
    }
}
