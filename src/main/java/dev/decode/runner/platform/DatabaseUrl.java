package dev.decode.runner.platform;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A PostgreSQL connection string as Render hands it out: {@code postgres://user:pass@host:port/db?sslmode=require}.
 * Its {@code toString()} never shows the password, so it is safe in messages and logs.
 */
public record DatabaseUrl(String host, int port, String database, String user, String password, Optional<String> sslMode) {

    private static final Set<String> SCHEMES = Set.of("postgres", "postgresql");
    private static final Set<String> SSL_MODES = Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
    private static final int DEFAULT_PORT = 5432;

    public static DatabaseUrl parse(String variable, String value) {
        if (value == null || value.isBlank()) {
            throw invalid(variable, "it is empty", null);
        }
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw invalid(variable, "it is not a URL", null);
        }
        String shown = masked(uri);
        if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
            throw invalid(variable, "the scheme must be postgres:// or postgresql://", shown);
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw invalid(variable, "it names no host", shown);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String database = decode(path.startsWith("/") ? path.substring(1) : path);
        if (database.isBlank() || database.contains("/")) {
            throw invalid(variable, "it names no database (expected /<database> after the host)", shown);
        }
        String userInfo = uri.getRawUserInfo();
        if (userInfo == null || userInfo.isBlank()) {
            throw invalid(variable, "it names no user (expected user:password@ before the host)", shown);
        }
        int colon = userInfo.indexOf(':');
        String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
        String password = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
        return new DatabaseUrl(uri.getHost(), uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(), database, user, password,
                sslMode(variable, uri.getRawQuery(), shown));
    }

    public String reactiveUrl() {
        return "postgresql://" + hostAndPort() + "/" + database + sslMode.map(mode -> "?sslmode=" + mode).orElse("");
    }

    private String hostAndPort() {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return "postgres://" + user + ":***@" + hostAndPort() + "/" + database;
    }

    private static Optional<String> sslMode(String variable, String rawQuery, String shown) {
        if (rawQuery == null || rawQuery.isBlank()) {
            return Optional.empty();
        }
        Optional<String> mode = Optional.empty();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (key.equalsIgnoreCase("sslmode")) {
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1)).toLowerCase(Locale.ROOT);
                if (!SSL_MODES.contains(value)) {
                    throw invalid(variable, "sslmode must be one of " + SSL_MODES, shown);
                }
                mode = Optional.of(value);
            }
        }
        return mode;
    }

    private static String decode(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The URL with any password replaced, so that what the operator typed can be shown back safely. */
    private static String masked(URI uri) {
        String userInfo = uri.getRawUserInfo();
        String user = userInfo == null ? "" : (userInfo.contains(":") ? userInfo.substring(0, userInfo.indexOf(':')) + ":***" : userInfo) + "@";
        return uri.getScheme() + "://" + user + (uri.getHost() == null ? "?" : uri.getHost())
                + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    private static IllegalArgumentException invalid(String variable, String why, String shown) {
        return new IllegalArgumentException(variable + " is not a valid postgres://user:password@host:port/database URL: "
                + why + (shown == null ? "" : " (got " + shown + ")"));
    }
}
