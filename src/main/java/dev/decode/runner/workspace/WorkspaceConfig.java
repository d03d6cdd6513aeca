package dev.decode.runner.workspace;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Each learner's dbt project on disk: quotas from the API contract, archive limits and the cleanup of unused workspaces. */
@ConfigMapping(prefix = "runner.workspace")
public interface WorkspaceConfig {

    @WithDefault("1M")
    MemorySize maxFileSize();

    @WithDefault("20M")
    MemorySize maxTotalSize();

    @WithDefault("500")
    int maxFiles();

    /**
     * The largest archive body {@code PUT /api/v1/workspace} reads, compressed; the HTTP server's body limit follows
     * it (application.properties). A workspace at its quota fits even stored without compression.
     */
    @WithDefault("20M")
    MemorySize maxArchiveSize();

    /** Entries of any kind an archive may hold, folders and skipped ones included; more is refused as a bomb. */
    @WithDefault("2000")
    int maxArchiveEntries();

    /** An archive that unpacks to more than this many times the bytes it takes compressed is refused as a bomb. */
    @WithDefault("100")
    int maxCompressionRatio();

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
