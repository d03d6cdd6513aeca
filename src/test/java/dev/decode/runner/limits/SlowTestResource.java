package dev.decode.runner.limits;

import java.time.Duration;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;

import io.smallrye.mutiny.Uni;

/** Exists only in tests: an API request that stays in flight as long as the test asks, without holding a thread. */
@Path("/api/v1/test-only/slow")
public class SlowTestResource {

    @GET
    public Uni<String> slow(@QueryParam("ms") long millis) {
        Uni<String> done = Uni.createFrom().item("done");
        return millis <= 0 ? done : done.onItem().delayIt().by(Duration.ofMillis(millis));
    }
}
