package dev.decode.runner.warehouse;

import java.util.Properties;

/**
 * MotherDuck mode: each user gets a MotherDuck database {@code decode_<username>}, attached alone
 * ({@code attach_mode=single}) so that a learner never sees the account's other databases, with SaaS mode on so the
 * client reads no local files. The shared catalog is the account's {@code learn} database, attached read-only.
 */
final class MotherDuck {

    static final String DATABASE_PREFIX = "decode_";

    private MotherDuck() {
    }

    static String databaseName(String username) {
        return DATABASE_PREFIX + username;
    }

    static String jdbcUrl(String username) {
        return "jdbc:duckdb:md:" + databaseName(username) + "?attach_mode=single";
    }

    static Properties properties(String token) {
        Properties properties = new Properties();
        properties.setProperty("motherduck_token", token);
        properties.setProperty("saas_mode", "true");
        return properties;
    }

    static String attachLearn() {
        return "attach 'md:" + WarehouseFiles.LEARN + "' as " + WarehouseFiles.LEARN + " (read_only)";
    }
}
