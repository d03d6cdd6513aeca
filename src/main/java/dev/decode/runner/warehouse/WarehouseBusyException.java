package dev.decode.runner.warehouse;

import java.time.Duration;
import java.util.Map;

import dev.decode.runner.platform.errors.ProblemException;

/** No pooled connection freed up within the wait limit. */
public class WarehouseBusyException extends ProblemException {

    public WarehouseBusyException(Duration waited) {
        super(503, "warehouse-busy", "Warehouse busy",
                "All warehouse connections are in use; try again in a moment.",
                Map.of("Retry-After", Long.toString(Math.max(1, (waited.toMillis() + 999) / 1000))));
    }
}
