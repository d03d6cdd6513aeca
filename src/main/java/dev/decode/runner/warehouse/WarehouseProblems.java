package dev.decode.runner.warehouse;

import dev.decode.runner.platform.errors.ProblemException;

/** The warehouse's fixed problem types from the API contract. */
final class WarehouseProblems {

    private WarehouseProblems() {
    }

    static ProblemException sqlError(String detail) {
        return new ProblemException(400, "sql-error", "SQL error", detail);
    }

    static ProblemException notAllowed(String detail) {
        return new ProblemException(403, "sql-not-allowed", "SQL not allowed", detail);
    }

    static ProblemException timeout(java.time.Duration limit) {
        return new ProblemException(504, "query-timeout", "Query timeout",
                "The query ran longer than " + limit.toSeconds() + " s and was stopped.");
    }

    static ProblemException databaseBusy() {
        return new ProblemException(409, "database-busy", "Database busy",
                "A dbt job is using your database; try again when it has finished.");
    }
}
