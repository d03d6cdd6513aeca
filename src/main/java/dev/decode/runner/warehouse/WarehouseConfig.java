package dev.decode.runner.warehouse;

import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The DuckDB warehouse: connection pool, query limits, sandbox settings and the sample catalog. */
@ConfigMapping(prefix = "runner.warehouse")
public interface WarehouseConfig {

    /** Open DuckDB connections across all users at most. */
    @WithDefault("5")
    int poolSize();

    /** How long a query waits for a pooled connection before 503 warehouse-busy. */
    @WithDefault("2s")
    Duration borrowWait();

    /** How long a query waits while a dbt job holds the user's database before 409 database-busy. */
    @WithDefault("2s")
    Duration databaseBusyWait();

    /** A running statement is interrupted after this; the caller gets 504 query-timeout. */
    @WithDefault("30s")
    Duration queryTimeout();

    /** Idle connections older than this are closed by the sweep. */
    @WithDefault("5m")
    Duration idleTimeout();

    /** How often the idle sweep runs (a Quarkus scheduler expression, or "off"). */
    @WithDefault("5m")
    String idleSweepEvery();

    @WithDefault("1000")
    int defaultMaxRows();

    /** DuckDB memory cap per user database; keeps the service inside a 512 MB container. */
    @WithDefault("128MB")
    String memoryLimit();

    /** DuckDB worker threads per user database. */
    @WithDefault("1")
    int threads();

    /** Orders in the generated {@code learn} catalog. */
    @WithDefault("100000")
    int learnOrders();

    /**
     * Query history entries not yet stored in PostgreSQL (the few milliseconds before a batch is written, or an outage)
     * are kept in memory up to about this much; a 60 s outage under the contract's limits needs a few MB.
     */
    @WithDefault("16M")
    MemorySize historyBuffer();

    /** When set, user databases live in MotherDuck ({@code md:}) instead of local files. */
    Optional<String> motherduckToken();
}
