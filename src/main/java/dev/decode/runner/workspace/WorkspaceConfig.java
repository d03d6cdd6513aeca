package dev.decode.runner.workspace;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Each learner's dbt project on disk: quotas from the API contract and the cleanup of unused workspaces. */
@ConfigMapping(prefix = "runner.workspace")
public interface WorkspaceConfig {

    @WithDefault("1M")
    MemorySize maxFileSize();

    @WithDefault("20M")
    MemorySize maxTotalSize();

    @WithDefault("500")
    int maxFiles();

    /** A workspace (with the user's database and job logs) untouched for this long is deleted. */
    @WithDefault("7d")
    Duration deleteUnusedAfter();

    /** How often unused workspaces are looked for (a Quarkus scheduler expression, or "off"). */
    @WithDefault("1h")
    String cleanupEvery();

    /**
     * The dbt packages offered to learners ({@code RUNNER_DBT_PACKAGES_DIR}, see application.properties), laid out
     * {@code <namespace>/<package>/<version>/}; unset: none. It must not be writable by the service's user.
     */
    Optional<Path> dbtPackagesDir();
}
