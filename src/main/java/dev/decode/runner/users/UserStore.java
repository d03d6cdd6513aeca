package dev.decode.runner.users;

import java.time.OffsetDateTime;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.decode.runner.platform.Postgres;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/** Users and their token hashes in PostgreSQL. */
@ApplicationScoped
class UserStore {

    private static final String UNIQUE_VIOLATION = "23505";

    private final Postgres postgres;

    UserStore(Postgres postgres) {
        this.postgres = postgres;
    }

    /** Empty when the username is taken. */
    Uni<Optional<User>> insert(String username, byte[] tokenHash) {
        return postgres.execute("insert into users (username, token_hash) values ($1, $2) returning username, created_at",
                Tuple.of(username, Buffer.buffer(tokenHash)))
                .map(rows -> Optional.of(toUser(rows.iterator().next())))
                .onFailure(UserStore::isUniqueViolation).recoverWithItem(Optional.empty());
    }

    Uni<Optional<User>> findByTokenHash(byte[] tokenHash) {
        return postgres.execute("select username, created_at from users where token_hash = $1",
                Tuple.of(Buffer.buffer(tokenHash)))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(toUser(rows.iterator().next())));
    }

    Uni<Optional<User>> find(String username) {
        return postgres.execute("select username, created_at from users where username = $1", Tuple.of(username))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(toUser(rows.iterator().next())));
    }

    /** False when there is no such user. */
    Uni<Boolean> replaceTokenHash(String username, byte[] tokenHash) {
        return postgres.execute("update users set token_hash = $2 where username = $1",
                Tuple.of(username, Buffer.buffer(tokenHash)))
                .map(rows -> rows.rowCount() == 1);
    }

    /** False when there is no such user. Their history goes with them (foreign keys cascade). */
    Uni<Boolean> delete(String username) {
        return postgres.execute("delete from users where username = $1", Tuple.of(username))
                .map(rows -> rows.rowCount() == 1);
    }

    private static User toUser(Row row) {
        OffsetDateTime created = row.getOffsetDateTime("created_at");
        return new User(row.getString("username"), created.toInstant());
    }

    private static boolean isUniqueViolation(Throwable failure) {
        return failure instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState());
    }
}
