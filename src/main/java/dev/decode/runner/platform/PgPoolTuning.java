package dev.decode.runner.platform;

import jakarta.inject.Singleton;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/**
 * Applies the limits Quarkus has no property for: a connect timeout, and {@code statement_timeout} sent as a start-up
 * parameter so that it holds on every pooled connection from its first statement.
 * <p>
 * The pool's own wait timeout is off (0). With it on, Vert.x SQL client 4.5 arms a timer for every statement sent
 * through the pool and does not cancel it when connecting fails, so with PostgreSQL down each failed request logged
 * an {@code IllegalStateException: Result is already complete} one timeout later (eclipse-vertx/vertx-sql-client#1706).
 * A connection attempt is still bounded by the connect timeout, and a statement's hold on a connection by
 * {@code statement_timeout}.
 */
@Singleton
public class PgPoolTuning implements PgPoolCreator {

    private final PlatformConfig.Database config;

    PgPoolTuning(PlatformConfig config) {
        this.config = config.database();
    }

    @Override
    public Pool create(Input input) {
        for (PgConnectOptions options : input.pgConnectOptionsList()) {
            options.setConnectTimeout(Math.toIntExact(config.connectTimeout().toMillis()));
            options.addProperty("statement_timeout", Long.toString(config.statementTimeout().toMillis()));
        }
        PoolOptions pool = input.poolOptions()
                .setIdleTimeout(Math.toIntExact(config.idleTimeout().toSeconds()))
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setConnectionTimeout(0);
        return PgBuilder.pool().with(pool).connectingTo(List.copyOf(input.pgConnectOptionsList())).using(input.vertx()).build();
    }
}
