package dev.decode.runner.support;

import java.nio.file.Files;
import java.nio.file.Path;

/** The pinned dbt environment that scripts/dbt-env.sh builds; tests fail loudly when it is missing. */
public final class DbtEnvironment {

    private DbtEnvironment() {
    }

    public static Path dbt() {
        String configured = System.getenv("DBT_EXECUTABLE");
        Path dbt = configured == null || configured.isBlank() ? Path.of(".venv-dbt/bin/dbt") : Path.of(configured);
        if (!Files.isExecutable(dbt)) {
            throw new IllegalStateException("No dbt at " + dbt.toAbsolutePath() + ": run the tests through scripts/test.sh");
        }
        return dbt.toAbsolutePath();
    }

    /** The Python of the same virtual environment, with the pinned duckdb module. */
    public static Path python() {
        return dbt().getParent().resolve("python");
    }
}
