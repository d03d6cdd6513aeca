package dev.decode.runner.jobs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Rewrites the server's absolute paths in what dbt prints and writes to what the learner knows: files of their
 * workspace and job relative to them ({@code models/x.sql}, {@code target/compiled/...}), their database as
 * {@code warehouse.duckdb}, dbt's own files below {@code dbt/}, an offered package as {@code dbt-labs/dbt_utils/1.3.3}.
 * Learners need not see where the service keeps things.
 */
final class ServerPaths implements UnaryOperator<String> {

    /** Most specific first: the job and workspace folders lie inside the user's, which lies inside the data dir. */
    private final Map<String, String> replacements = new LinkedHashMap<>();

    ServerPaths(Path jobDir, Path workspace, Path userDir, Path dataDir, Path dbtHome, Optional<Path> dbtPackages) {
        folder(jobDir, "");
        folder(workspace, "");
        folder(userDir, "");
        dbtPackages.ifPresent(dir -> folder(dir, ""));
        folder(dataDir, "");
        folder(dbtHome, "dbt/");
    }

    @Override
    public String apply(String text) {
        String result = text;
        for (Map.Entry<String, String> replacement : replacements.entrySet()) {
            if (result.contains(replacement.getKey())) {
                result = result.replace(replacement.getKey(), replacement.getValue());
            }
        }
        return result;
    }

    /** The folder's contents lose the prefix; the folder itself becomes "."; both as given and as its real path. */
    private void folder(Path dir, String replacement) {
        for (Path form : new Path[] {dir.toAbsolutePath().normalize(), real(dir)}) {
            replacements.putIfAbsent(form + "/", replacement);
        }
        for (Path form : new Path[] {dir.toAbsolutePath().normalize(), real(dir)}) {
            replacements.putIfAbsent(form.toString(), replacement.isEmpty() ? "." : replacement.substring(0, replacement.length() - 1));
        }
    }

    private static Path real(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            return dir.toAbsolutePath().normalize();
        }
    }
}
