package dev.decode.runner.platform;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** Exists only in tests: a resource that fails the way a bug would. */
@Path("/test-only/explode")
public class FailingTestResource {

    static final String SECRET = "password=hunter2-in-an-exception-message";

    @GET
    public String explode() {
        throw new IllegalStateException("boom " + SECRET);
    }
}
