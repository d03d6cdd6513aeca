package dev.decode.runner.warehouse;

import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The answer to one statement, in the contract's shape. */
@RegisterForReflection
public record QueryResult(List<Column> columns, List<List<Object>> rows, int rowCount, boolean truncated, long elapsedMs) {

    @RegisterForReflection
    public record Column(String name, String type) {
    }
}
