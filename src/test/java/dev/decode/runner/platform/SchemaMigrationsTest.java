package dev.decode.runner.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.pgclient.PgConnectOptions;

/** Against the test database of the local PostgreSQL, each case in a schema of its own. */
class SchemaMigrationsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static Vertx vertx;
    private static Pool admin;
    private String schema;
    private Pool pool;

    @BeforeAll
    static void connect() {
        vertx = Vertx.vertx();
        admin = pool("public");
    }

    @AfterAll
    static void disconnect() {
        admin.closeAndAwait();
        vertx.closeAndAwait();
    }

    @BeforeEach
    void ownSchema() {
        schema = "migrations_" + System.nanoTime();
        sql(admin, "create schema " + schema);
        pool = pool(schema);
    }

    @AfterEach
    void dropSchema() {
        pool.closeAndAwait();
        sql(admin, "drop schema " + schema + " cascade");
    }

    @Test
    void everyScriptInTheFolderIsListedInOrder() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources", SchemaMigrations.FOLDER))) {
            assertThat(files.map(file -> file.getFileName().toString()).sorted())
                    .containsExactlyElementsOf(SchemaMigrations.SCRIPTS);
        }
        assertThat(SchemaMigrations.scripts()).extracting(SchemaMigrations.Script::version).containsExactly(1, 2, 3, 4);
    }

    @Test
    void anEmptyDatabaseGetsEveryScriptOnceAndASecondStartChangesNothing() {
        SchemaMigrations migrations = new SchemaMigrations(pool);

        assertThat(migrations.migrate(SchemaMigrations.scripts()).await().atMost(WAIT)).isEqualTo(4);
        sql(pool, "insert into users (username, token_hash) values ('ada_lovelace', '\\x01')");
        assertThat(migrations.migrate(SchemaMigrations.scripts()).await().atMost(WAIT)).isZero();

        assertThat(tables()).contains("users", "query_history", "jobs", "schema_migrations");
        assertThat(column("select username from users")).containsExactly("ada_lovelace");
        assertThat(column("select script from schema_migrations order by version"))
                .containsExactlyElementsOf(SchemaMigrations.SCRIPTS);
    }

    @Test
    void aDatabaseFlywayMigratedKeepsItsDataAndHistoryAndGetsTheLaterScripts() {
        for (SchemaMigrations.Script script : SchemaMigrations.scripts().subList(0, 3)) {
            sql(pool, script.sql());
        }
        sql(pool, """
                create table flyway_schema_history (installed_rank int primary key, version varchar(50), script varchar(1000),
                    installed_on timestamp not null default now(), success boolean not null)""");
        sql(pool, """
                insert into flyway_schema_history (installed_rank, version, script, success)
                values (1, '1', 'V1__users.sql', true), (2, '2', 'V2__query_history.sql', true), (3, '3', 'V3__jobs.sql', true)""");
        sql(pool, "insert into users (username, token_hash) values ('grace_hopper', '\\x02')");

        assertThat(new SchemaMigrations(pool).migrate(SchemaMigrations.scripts()).await().atMost(WAIT)).as("the scripts after Flyway").isEqualTo(1);

        assertThat(column("select username from users")).containsExactly("grace_hopper");
        assertThat(column("select version::text from schema_migrations order by version")).containsExactly("1", "2", "3", "4");
    }

    @Test
    void aScriptThatChangedAfterItRanStopsTheStartAndChangesNothing() {
        SchemaMigrations migrations = new SchemaMigrations(pool);
        List<SchemaMigrations.Script> first = SchemaMigrations.scripts().subList(0, 2);
        migrations.migrate(first).await().atMost(WAIT);

        List<SchemaMigrations.Script> edited = new ArrayList<>(SchemaMigrations.scripts());
        SchemaMigrations.Script users = edited.get(0);
        edited.set(0, new SchemaMigrations.Script(users.version(), users.name(), users.sql() + "\n-- edited", "another checksum"));

        assertThatThrownBy(() -> migrations.migrate(edited).await().atMost(WAIT))
                .hasMessageContaining("V1__users.sql changed after it was applied");
        assertThat(tables()).doesNotContain("jobs");
    }

    private List<String> tables() {
        return column("select table_name from information_schema.tables where table_schema = '" + schema + "'");
    }

    private List<String> column(String query) {
        List<String> values = new ArrayList<>();
        for (Row row : pool.query(query).execute().await().atMost(WAIT)) {
            values.add(row.getValue(0).toString());
        }
        return values;
    }

    private static void sql(Pool on, String statement) {
        on.query(statement).execute().await().atMost(WAIT);
    }

    private static Pool pool(String searchPath) {
        PgConnectOptions options = new PgConnectOptions().setHost("127.0.0.1").setPort(5432)
                .setDatabase("decode_runner_test").setUser("decode_runner").setPassword("decode_runner")
                .setProperties(Map.of("search_path", searchPath));
        return PgBuilder.pool().connectingTo(options).using(vertx).build();
    }
}
