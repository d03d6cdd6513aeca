package dev.decode.runner.workspace;

import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.decode.runner.platform.BlockingWork;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/** The dbt packages a learner's packages.yml may name: each offered package with its versions, lowest first. */
@Path("/api/v1/packages")
@Produces(MediaType.APPLICATION_JSON)
public class PackagesResource {

    private final DbtPackages packages;

    PackagesResource(DbtPackages packages) {
        this.packages = packages;
    }

    @RegisterForReflection
    public record Offerings(List<DbtPackages.Offering> packages) {
    }

    @GET
    public Uni<Offerings> list() {
        return BlockingWork.supply(() -> new Offerings(packages.offerings()));
    }
}
