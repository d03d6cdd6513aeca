package dev.decode.runner.workspace;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A path inside a workspace that the contract allows: checked as text, before it ever touches the file system, so
 * that {@code ..}, encodings, backslashes, hidden segments and case variants of the allowed folders are refused
 * whatever the file system would make of them. {@link Workspaces} then checks the real path for symbolic links.
 */
public record WorkspacePath(String value) {

    static final int MAX_LENGTH = 200;
    static final int MAX_DEPTH = 8;
    /** The packages files are checked for their content too ({@link DbtPackages}). */
    private static final Set<String> TOP_LEVEL_FILES = Set.of("dbt_project.yml", "README.md", PackageRequests.PACKAGES_FILE,
            PackageRequests.DEPENDENCIES_FILE);
    private static final Set<String> FOLDERS = Set.of("models", "seeds", "tests", "macros", "snapshots", "analyses");
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
        String problem = problemWith(value);
        if (problem != null) {
            throw WorkspaceProblems.invalidPath(problem);
        }
    }

    public static WorkspacePath of(String value) {
        return new WorkspacePath(value);
    }

    public String[] segments() {
        return value.split("/");
    }

    private static String problemWith(String path) {
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
        if (segments.length == 1) {
            return TOP_LEVEL_FILES.contains(path) ? null
                    : "Only dbt_project.yml, README.md, packages.yml and dependencies.yml may sit at the top; put other "
                            + "files below models/, seeds/, tests/, macros/, snapshots/ or analyses/.";
        }
        if (!FOLDERS.contains(segments[0])) {
            return "Files live below models/, seeds/, tests/, macros/, snapshots/ or analyses/.";
        }
        return EXTENSIONS.stream().anyMatch(name::endsWith) ? null
                : "Only .sql, .yml, .yaml, .md and .csv files are allowed.";
    }
}
