package dev.decode.runner.warehouse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;


/**
 * The shared, read-only sample catalog {@code learn}: customers, orders and payments, generated from arithmetic on row
 * numbers, so every instance and every run holds exactly the same rows. It is built in a temporary file and moved into
 * place, so a crash half-way never leaves a partial catalog behind.
 *
 * <p>
 * It is created when the warehouse is first used (a query or a dbt job), not at start-up: creating it loads DuckDB's
 * library into the service, and a service nobody has queried yet starts faster and stays smaller without it
 * (docs/PERFORMANCE.md, "Native executable").
 */
@ApplicationScoped
public class LearnCatalog {

    private static final Logger LOG = Logger.getLogger(LearnCatalog.class);
    private static final int CUSTOMERS = 5_000;
    private static final Set<PosixFilePermission> READ_ONLY = PosixFilePermissions.fromString("r--r--r--");

    private final WarehouseFiles files;
    private final WarehouseConfig config;
    private volatile boolean ready;
    /** Why the last attempt to create it failed; null when none did. */
    private volatile String failure;

    LearnCatalog(WarehouseFiles files, WarehouseConfig config) {
        this.files = files;
        this.config = config;
    }

    /** Blocking: the catalog's file, created first if it is not there yet. */
    public Path path() {
        if (!ready) {
            synchronized (this) {
                if (!ready) {
                    create();
                    ready = true;
                }
            }
        }
        return files.learnCatalog();
    }

    boolean isReady() {
        return ready;
    }

    Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    private void create() {
        Path target = files.learnCatalog();
        try {
            if (Files.exists(target)) {
                Files.setPosixFilePermissions(target, READ_ONLY);
                return;
            }
            Files.createDirectories(target.getParent());
            Path temporary = target.resolveSibling("learn.duckdb.creating-" + ProcessHandle.current().pid());
            Files.deleteIfExists(temporary);
            long start = System.nanoTime();
            try (Connection connection = DuckDb.connect("jdbc:duckdb:" + temporary);
                    Statement statement = connection.createStatement()) {
                for (String sql : script(CUSTOMERS, config.learnOrders())) {
                    statement.execute(sql);
                }
            }
            // Read-only on disk too: a dbt model could otherwise detach learn and attach the file again writable.
            Files.setPosixFilePermissions(temporary, READ_ONLY);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            failure = null;
            LOG.infof("Created the learn catalog orders=%d ms=%d", config.learnOrders(), (System.nanoTime() - start) / 1_000_000);
        } catch (SQLException | IOException | RuntimeException | LinkageError e) {
            failure = e.getClass().getSimpleName();
            throw new IllegalStateException("Could not create the learn catalog", e);
        }
    }

    static String[] script(int customers, int orders) {
        return new String[] {
            "set threads = 1",
            """
            create table customers as
            select i as customer_id,
                   (['Ava','Ben','Chloe','Dev','Emma','Femi','Gus','Hana','Ivan','Jia','Kofi','Lena','Mateo','Nia',
                     'Omar','Priya','Quinn','Rosa','Sven','Tomas'])[(i * 7) % 20 + 1] as first_name,
                   (['Smith','Garcia','Okafor','Muller','Rossi','Tanaka','Silva','Kim','Novak','Patel','Dubois',
                     'Nguyen','Cohen','Larsen','Moreau','Ivanova','Khan','Lopez','Walsh','Berg'])[(i * 13) % 20 + 1] as last_name,
                   'customer' || i || '@example.com' as email,
                   (['US','DE','FR','IN','BR','JP','GB','NG','CA','MX'])[(i * 3) % 10 + 1] as country,
                   date '2022-01-01' + ((i * 37) % 1000)::integer as signup_date
            from range(1, {customers} + 1) r(i)
            """.replace("{customers}", Integer.toString(customers)),
            """
            create table orders as
            select i as order_id,
                   ((i * 7919) % {customers}) + 1 as customer_id,
                   date '2023-01-01' + ((i * 61) % 730)::integer as order_date,
                   case when (i * 17) % 20 < 15 then 'completed' when (i * 17) % 20 < 17 then 'shipped'
                        when (i * 17) % 20 = 17 then 'placed' when (i * 17) % 20 = 18 then 'returned'
                        else 'cancelled' end as status,
                   (5 + ((i * 104729) % 50000) / 100)::decimal(10, 2) as amount
            from range(1, {orders} + 1) r(i)
            """.replace("{customers}", Integer.toString(customers)).replace("{orders}", Integer.toString(orders)),
            """
            create table payments as
            select order_id as payment_id,
                   order_id,
                   (['credit_card','bank_transfer','gift_card','coupon'])[(order_id * 11) % 4 + 1] as payment_method,
                   amount,
                   order_date::timestamp + to_seconds((order_id * 29) % 86400) as paid_at
            from orders
            where status <> 'cancelled'
            """,
            // Point lookups by key, the most common learner query, become index scans instead of full scans.
            "create unique index customers_by_id on customers (customer_id)",
            "create unique index orders_by_id on orders (order_id)",
            "create unique index payments_by_id on payments (payment_id)",
            "checkpoint"
        };
    }
}
