package dev.decode.runner.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.decode.runner.platform.errors.ProblemException;

class SqlGuardTest {

    /** Escape attempts: each must be refused before it reaches DuckDB. */
    static String[] escapes() {
        return new String[] {
            "attach '/data/users/bob/warehouse.duckdb' as bob",
            "ATTACH DATABASE '/etc/passwd' AS x",
            "  aTtAcH 'x.db'",
            "/* harmless */ attach 'x.db' as x",
            "select 1; attach 'x.db' as x",
            "detach learn",
            "install httpfs",
            "load httpfs",
            "LOAD 'json'",
            "set enable_external_access = true",
            "SET lock_configuration=false",
            "reset threads",
            "pragma enable_profiling",
            "pragma memory_limit='10GB'",
            "pragma threads = 8",
            "copy orders to '/tmp/out.csv'",
            "COPY (select 1) TO 'x.parquet' (format parquet)",
            "copy orders from '/etc/passwd'",
            "export database '/tmp/dump'",
            "import database '/tmp/dump'",
            "select * from read_csv('/etc/passwd')",
            "select * from READ_CSV_AUTO('/etc/passwd')",
            "select * from \"read_csv\"('/etc/passwd')",
            "select * from read_parquet('s3://bucket/x.parquet')",
            "select * from read_json_auto('https://example.com/x.json')",
            "select * from read_text('/etc/hostname')",
            "select * from read_blob('/etc/hostname')",
            "select * from parquet_scan('x.parquet')",
            "select * from glob('/data/users/*')",
            "select * from '/etc/passwd'",
            "select * from 'https://example.com/data.csv'",
            "select * from learn.orders join '/tmp/x.csv' on true",
            "select path from duckdb_databases()",
            "select * from duckdb_settings()",
            "select * from duckdb_extensions()",
            "select * from pragma_database_list",
            "select current_setting('memory_limit')",
            "select * from query('attach ''x'' as y')",
            "select * from query_table('orders')",
            "select * from sniff_csv('/etc/passwd')",
            "use learn",
            "call pragma_version()",
            "checkpoint",
            "begin transaction",
            "create secret (type s3, key_id 'x', secret 'y')",
            "select 1 -- comment\n; select 2",
            "select 'a;b'; select 2",
        };
    }

    @ParameterizedTest
    @MethodSource("escapes")
    void escapeAttemptsAreRefused(String sql) {
        ProblemException refused = catchThrowableOfType(ProblemException.class, () -> SqlGuard.check(sql));
        assertThat(refused).as("refused: %s", sql).isNotNull();
        assertThat(refused.slug()).isIn("sql-not-allowed", "sql-error");
        assertThat(refused.detail()).doesNotContain("/data/users");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "select 1",
        "select * from learn.orders where status = 'attach'",
        "select 'read_csv(''/etc/passwd'')' as text",
        "SELECT count(*) AS n FROM learn.orders -- copy orders to x",
        "with t as (select 1 as read_count) select read_count from t",
        "from learn.customers limit 5",
        "create table mine as select * from learn.orders where amount > 100",
        "insert into mine select * from learn.orders limit 1",
        "update mine set amount = 0 where order_id = 1",
        "delete from mine where order_id = 1",
        "drop table if exists mine",
        "describe learn.orders",
        "summarize learn.payments",
        "pragma table_info('learn.orders')",
        "show tables",
        "(select 1) union all (select 2)",
        "select $$ a;b $$ as dollar",
        "select e'it\\'s' as escaped",
        "select 1;",
        "select 1; ;  ",
        "create or replace table secrets_of_sales as select 1 as secret",
    })
    void ordinaryStatementsPass(String sql) {
        assertThatCode(() -> SqlGuard.check(sql)).as(sql).doesNotThrowAnyException();
    }

    @org.junit.jupiter.api.Test
    void aQuotedNameIsStillTheWordItSpells() {
        // The price of never being fooled by "load"(...) or "read_csv"(...): a column named "load" is refused too.
        assertThat(catchThrowableOfType(ProblemException.class,
                () -> SqlGuard.check("select \"load\" from (select 1 as \"load\")"))).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "-- only a comment", "select 'unclosed", "select /* unclosed", ";"})
    void unreadableOrEmptySqlIsASqlError(String sql) {
        ProblemException refused = catchThrowableOfType(ProblemException.class, () -> SqlGuard.check(sql));
        assertThat(refused).isNotNull();
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.slug()).isEqualTo("sql-error");
    }
}
