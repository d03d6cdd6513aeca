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

    /** Where the environment's packages are installed, one *.dist-info folder per distribution. */
    public static Path sitePackages() {
        try (java.util.stream.Stream<Path> lib = Files.list(dbt().getParent().getParent().resolve("lib"))) {
            return lib.filter(dir -> dir.getFileName().toString().startsWith("python3")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no lib/python3* beside " + dbt())).resolve("site-packages");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The Python of the same virtual environment, with the pinned duckdb module. */
    public static Path python() {
        return dbt().getParent().resolve("python");
    }
}
