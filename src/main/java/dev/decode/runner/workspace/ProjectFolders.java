package dev.decode.runner.workspace;

import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.error.YAMLException;

/**
 * The folders in which a dbt project keeps its files: dbt's standard ones, which are always allowed, and those its
 * {@code dbt_project.yml} names for models, seeds, tests, macros, snapshots, analyses and docs. Each is a relative
 * folder path without a trailing '/'. Only names that {@link ProjectPaths} accepts count, so that every folder here
 * lies inside the workspace once the project file has passed its check.
 */
public record ProjectFolders(Set<String> files, List<String> seeds) {

    static final List<String> STANDARD_FOLDERS = List.of("models", "seeds", "tests", "macros", "snapshots", "analyses");
    public static final ProjectFolders STANDARD = new ProjectFolders(new LinkedHashSet<>(STANDARD_FOLDERS), List.of("seeds"));
    /** The settings naming folders of files that the file API accepts; dbt still reads the deprecated two. */
    private static final List<String> FILE_KEYS = List.of("model-paths", "source-paths", "seed-paths", "data-paths",
            "test-paths", "macro-paths", "snapshot-paths", "analysis-paths", "docs-paths");
    /** dbt loads seeds from seed-paths, else from data-paths, else from seeds/. */
    private static final List<String> SEED_KEYS = List.of("seed-paths", "data-paths");

    public ProjectFolders {
        files = Set.copyOf(files);
        seeds = List.copyOf(seeds);
    }

    /**
     * The folders of the project whose {@code dbt_project.yml} holds {@code content}; the standard ones when it cannot
     * be read as one. A setting that breaks {@link ProjectPaths}' rules adds nothing.
     */
    public static ProjectFolders of(byte[] content) {
        Map<?, ?> project;
        try {
            project = ProjectPaths.parse(content);
        } catch (CharacterCodingException | YAMLException e) {
            return STANDARD;
        }
        Set<String> files = new LinkedHashSet<>(STANDARD_FOLDERS);
        for (String key : FILE_KEYS) {
            files.addAll(folders(project, key));
        }
        List<String> seeds = SEED_KEYS.stream().filter(key -> named(project, key)).findFirst()
                .map(key -> folders(project, key)).orElse(List.of("seeds"));
        return new ProjectFolders(files, seeds);
    }

    /** Whether {@code segments} (a file's path, split at '/') lies below one of the folders of files. */
    boolean holds(String[] segments) {
        StringBuilder folder = new StringBuilder();
        for (int i = 0; i < segments.length - 1; i++) {
            folder.append(i == 0 ? "" : "/").append(segments[i]);
            if (files.contains(folder.toString())) {
                return true;
            }
        }
        return false;
    }

    /** The folders of files as the learner reads them, standard ones first, each with a trailing '/'. */
    String describe() {
        List<String> names = new ArrayList<>(STANDARD_FOLDERS);
        files.stream().filter(folder -> !STANDARD_FOLDERS.contains(folder)).sorted().forEach(names::add);
        return String.join(", ", names.stream().map(name -> name + "/").toList());
    }

    private static boolean named(Map<?, ?> project, String key) {
        return project.containsKey(key) || project.containsKey(key.replace('-', '_'));
    }

    /** Under either spelling dbt accepts; values that are not plain folder names inside the project are left out. */
    private static List<String> folders(Map<?, ?> project, String key) {
        List<String> folders = new ArrayList<>();
        for (String spelling : List.of(key, key.replace('-', '_'))) {
            if (project.get(spelling) instanceof List<?> list) {
                list.stream().filter(String.class::isInstance).map(String.class::cast).filter(ProjectPaths::plainFolder)
                        .map(folder -> folder.endsWith("/") ? folder.substring(0, folder.length() - 1) : folder)
                        .forEach(folders::add);
            }
        }
        return folders;
    }
}
