package dev.decode.runner.workspace;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A path inside a workspace whose text the contract allows: checked before it ever touches the file system, so that
 * {@code ..}, encodings, backslashes, hidden segments and reserved names are refused whatever the file system would
 * make of them. Where a file may be written also depends on the project's folders: {@link #problemWith} is that whole
 * rule. {@link Workspaces} then checks the real path for symbolic links.
 */
public record WorkspacePath(String value) {

    static final int MAX_LENGTH = 200;
    static final int MAX_DEPTH = 8;
    /** The packages files are checked for their content too ({@link DbtPackages}). */
    private static final Set<String> TOP_LEVEL_FILES = Set.of("dbt_project.yml", "README.md", PackageRequests.PACKAGES_FILE,
            PackageRequests.DEPENDENCIES_FILE);
    private static final List<String> EXTENSIONS = List.of(".sql", ".yml", ".yaml", ".md", ".csv");
    /**
     * dbt reads these from a project folder; they would let a learner pull packages or change the connection. Only the
     * top's packages.yml and dependencies.yml are allowed, for offered packages.
     */
    private static final Set<String> RESERVED_NAMES = Set.of("profiles.yml", "profiles.yaml", "packages.yml",
            "packages.yaml", "dependencies.yml", "dependencies.yaml", "selectors.yml", "selectors.yaml");
    /** A segment starts with a letter, digit or '_' (so never hidden, never '..') and holds no encodings or spaces. */
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

    public WorkspacePath {
        String problem = textProblem(value);
        if (problem != null) {
            throw WorkspaceProblems.invalidPath(problem);
        }
    }

    /**
     * Why no file may be written at {@code path} of a project with {@code folders}, or empty: the contract's rule for
     * every way a file reaches a workspace. Case variants of the folders are refused, whatever the file system
     * would make of them.
     */
    public static Optional<String> problemWith(String path, ProjectFolders folders) {
        String problem = textProblem(path);
        return Optional.ofNullable(problem != null ? problem : placeProblem(path, folders));
    }

    public static WorkspacePath of(String value) {
        return new WorkspacePath(value);
    }

    public String[] segments() {
        return value.split("/");
    }

    private static String textProblem(String path) {
        if (path == null || path.isEmpty()) {
            return "The path is empty.";
        }
        if (path.length() > MAX_LENGTH) {
            return "The path is longer than " + MAX_LENGTH + " characters.";
        }
        String[] segments = path.split("/", -1);
        if (segments.length > MAX_DEPTH) {
            return "The path is deeper than " + MAX_DEPTH + " levels.";
        }
        for (String segment : segments) {
            if (!SEGMENT.matcher(segment).matches()) {
                return "Each part of the path must start with a letter, digit or '_' and hold only letters, digits, "
                        + "'_', '-' and '.'; '..', hidden names, backslashes and absolute paths are not allowed.";
            }
        }
        String name = segments[segments.length - 1];
        if (RESERVED_NAMES.contains(name.toLowerCase(Locale.ROOT)) && !(segments.length == 1 && TOP_LEVEL_FILES.contains(path))) {
            return "'" + name + "' is managed by the service and cannot be written.";
        }
        return null;
    }

    private static String placeProblem(String path, ProjectFolders folders) {
        String[] segments = path.split("/");
        if (segments.length == 1) {
            return TOP_LEVEL_FILES.contains(path) ? null
                    : "Only dbt_project.yml, README.md, packages.yml and dependencies.yml may sit at the top; put other "
                            + "files below one of the project's folders: " + folders.describe() + ".";
        }
        if (!folders.holds(segments)) {
            return "Files live below the project's folders: " + folders.describe() + ". dbt_project.yml names more with "
                    + "model-paths, seed-paths, test-paths, macro-paths, snapshot-paths, analysis-paths or docs-paths.";
        }
        return EXTENSIONS.stream().anyMatch(segments[segments.length - 1]::endsWith) ? null
                : "Only .sql, .yml, .yaml, .md and .csv files are allowed.";
    }
}
