package dev.decode.runner.platform;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Brings the schema up to date at start-up, before anything else touches PostgreSQL: each script of {@link #SCRIPTS}
 * runs once, in order, in one transaction with the record that it ran, under an advisory lock so that instances
 * starting together take turns. A script already applied whose text changed stops the start.
 *
 * <p>
 * Flyway did this through JDBC, which brought the JDBC driver, Agroal and Narayana into the native executable for three
 * scripts; without them the executable is smaller and maps less at run time (docs/PERFORMANCE.md, "Native executable").
 * A database that Flyway migrated keeps its history: its applied versions are taken over on the first start.
 */
@ApplicationScoped
class SchemaMigrations {

    private static final Logger LOG = Logger.getLogger(SchemaMigrations.class);
    /** In order; a new script goes at the end, and an applied one never changes. */
    static final List<String> SCRIPTS = List.of("V1__users.sql", "V2__query_history.sql", "V3__jobs.sql",
            "V4__job_peak_memory.sql");
    static final String FOLDER = "db/migration/";
    private static final Pattern NAME = Pattern.compile("V(\\d+)__[a-z0-9_]+\\.sql");
    /** Any constant shared by every instance of the service; "decode" in ASCII. */
    private static final long LOCK = 0x6465636f6465L;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Pool pool;

    SchemaMigrations(Pool pool) {
        this.pool = pool;
    }

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        int applied = migrate(scripts()).await().atMost(START_TIMEOUT);
        if (applied > 0) {
            LOG.infof("Schema migrated scripts=%d", applied);
        }
    }

    record Script(int version, String name, String sql, String checksum) {
    }

    static List<Script> scripts() {
        return SCRIPTS.stream().map(SchemaMigrations::load).toList();
    }

    /** Applies what is missing of {@code scripts}; the number of scripts it ran. */
    Uni<Integer> migrate(List<Script> scripts) {
        // client_min_messages: "already exists, skipping" is a notice the client would log as a warning at every start.
        return pool.withTransaction(connection -> connection.query("set local client_min_messages = warning").execute()
                .chain(() -> connection.query("select pg_advisory_xact_lock(" + LOCK + ")").execute())
                .chain(() -> connection.query("""
                        create table if not exists schema_migrations (
                            version    integer primary key,
                            script     text not null,
                            checksum   text,
                            applied_at timestamptz not null default now()
                        )""").execute())
                .chain(() -> takeOverFlywayHistory(connection))
                .chain(() -> connection.query("select version, script, checksum from schema_migrations").execute())
                .chain(rows -> {
                    Map<Integer, Row> done = new HashMap<>();
                    rows.forEach(row -> done.put(row.getInteger("version"), row));
                    List<Script> missing = scripts.stream().filter(script -> !done.containsKey(script.version())).toList();
                    scripts.stream().filter(script -> done.containsKey(script.version()))
                            .forEach(script -> checkUnchanged(script, done.get(script.version())));
                    return Multi.createFrom().iterable(missing)
                            .onItem().transformToUniAndConcatenate(script -> apply(connection, script))
                            .collect().asList()
                            .map(List::size);
                }));
    }

    private static Uni<Script> apply(SqlConnection connection, Script script) {
        // The simple query protocol runs a script of several statements in one round trip.
        return connection.query(script.sql()).execute()
                .chain(() -> connection.preparedQuery("insert into schema_migrations (version, script, checksum) values ($1, $2, $3)")
                        .execute(Tuple.of(script.version(), script.name(), script.checksum())))
                .replaceWith(script);
    }

    private static Uni<Void> takeOverFlywayHistory(SqlConnection connection) {
        return connection.query("select to_regclass('flyway_schema_history') is not null as present").execute()
                .chain(rows -> rows.iterator().next().getBoolean("present")
                        ? connection.query("""
                                insert into schema_migrations (version, script, applied_at)
                                select version::integer, script, installed_on from flyway_schema_history
                                where success and version is not null
                                on conflict (version) do nothing""").execute().replaceWithVoid()
                        : Uni.createFrom().voidItem());
    }

    private static void checkUnchanged(Script script, Row applied) {
        String checksum = applied.getString("checksum");
        // Versions taken over from Flyway carry its checksum, not ours.
        if (checksum != null && !checksum.equals(script.checksum())) {
            throw new IllegalStateException("Schema script " + script.name() + " changed after it was applied; add a new script instead");
        }
    }

    private static Script load(String name) {
        Matcher matcher = NAME.matcher(name);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("A schema script is named V<version>__<words>.sql, not " + name);
        }
        try (InputStream in = SchemaMigrations.class.getClassLoader().getResourceAsStream(FOLDER + name)) {
            if (in == null) {
                throw new IllegalStateException("Schema script " + FOLDER + name + " is not on the class path");
            }
            String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Script(Integer.parseInt(matcher.group(1)), name, sql, sha256(sql));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read schema script " + name, e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
