package dev.decode.runner.users;

import java.util.Objects;

/** Who a request acts for, resolved once per request by {@link BearerAuthentication}. */
public record Principal(Kind kind, String name) {

    /** Key of the principal in the Vert.x routing context. */
    public static final String KEY = "decode-runner.principal";

    public enum Kind { ADMIN, USER }

    public Principal {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
    }

    public static Principal admin() {
        return new Principal(Kind.ADMIN, "admin");
    }

    public static Principal user(String username) {
        return new Principal(Kind.USER, username);
    }

    public boolean isAdmin() {
        return kind == Kind.ADMIN;
    }
}
