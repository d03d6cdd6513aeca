package dev.decode.runner.warehouse;

import java.time.Duration;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.resteasy.reactive.RestQuery;

import dev.decode.runner.platform.errors.QueryParameters;
import dev.decode.runner.users.CurrentPrincipal;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/** Learners' SQL against their own DuckDB database and the shared {@code learn} catalog. */
@Path("/api/v1/queries")
@Produces(MediaType.APPLICATION_JSON)
public class QueriesResource {

    private final WarehouseService warehouse;
    private final CurrentPrincipal principal;

    QueriesResource(WarehouseService warehouse, CurrentPrincipal principal) {
        this.warehouse = warehouse;
        this.principal = principal;
    }

    @RegisterForReflection
    public record QueryRequest(
            @NotBlank(message = "must hold one SQL statement")
            @Size(max = MAX_SQL_LENGTH, message = "is longer than {max} characters") String sql,
            @Min(value = 1, message = "must be between 1 and " + MAX_ROWS)
            @Max(value = MAX_ROWS, message = "must be between 1 and " + MAX_ROWS) Integer maxRows) {

        static final int MAX_SQL_LENGTH = 100_000;
        /** The contract's ceiling; the default below it is configured. */
        static final int MAX_ROWS = 10_000;
    }

    @RegisterForReflection
    public record History(List<QueryHistoryStore.Entry> items) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<QueryResult> run(@Valid @NotNull(message = "Send a JSON object with the field 'sql'.") QueryRequest request) {
        return warehouse.run(principal.username(), request.sql(), request.maxRows())
                .onFailure().transform(QueriesResource::fromFaultTolerance);
    }

    /** The service's guards answer with the contract's problems; every other failure passes through. */
    private static Throwable fromFaultTolerance(Throwable failure) {
        if (failure instanceof BulkheadException) {
            return new WarehouseBusyException(Duration.ofSeconds(1));
        }
        if (failure instanceof TimeoutException) {
            return WarehouseProblems.timeout(Duration.ofSeconds(WarehouseService.BACKSTOP_SECONDS));
        }
        return failure;
    }

    @GET
    public Uni<History> history(@RestQuery String limit) {
        int size = QueryParameters.wholeNumber("limit", limit, 50, 1, WarehouseService.MAX_HISTORY);
        return warehouse.history(principal.username(), size).map(History::new);
    }
}
