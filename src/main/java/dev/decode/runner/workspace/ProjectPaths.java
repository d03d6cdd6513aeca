package dev.decode.runner.workspace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The settings of a {@code dbt_project.yml} that dbt reads as paths relative to the project. Each must name a folder
 * inside the workspace, decided on the real path: dbt would otherwise parse (and quote back in manifest.json and the
 * log) whatever another learner's folder or the server holds. The file is read with SnakeYAML's safe loader, a port of
 * the PyYAML loader dbt uses, so that aliases and merge keys mean the same to both; duplicate keys are refused,
 * because the two would not agree on which one counts.
 */
public final class ProjectPaths {

    public static final String FILE = "dbt_project.yml";
    /** Every path-valued key of dbt 1.11's project file (dbt/contracts/project.py), as dbt spells them in YAML. */
    static final List<String> LIST_KEYS = List.of("model-paths", "source-paths", "macro-paths", "seed-paths", "data-paths",
            "test-paths", "analysis-paths", "snapshot-paths", "function-paths", "docs-paths", "asset-paths", "clean-targets");
    static final List<String> SINGLE_KEYS = List.of("target-path", "log-path", "packages-install-path");
    private static final int MAX_LENGTH = 200;
    /** Plain folder names: no '..', no hidden or absolute path, no Jinja, no encodings; one trailing '/' allowed. */
    private static final Pattern RELATIVE_FOLDER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*/?");

    /** A key whose value breaks the rules, and why, in words for the learner. */
    public record Violation(String key, String detail) {
    }

    private ProjectPaths() {
    }

    /**
     * Blocking: the first rule {@code content}, as the {@code dbt_project.yml} of {@code projectDir}, breaks; empty when
     * every path setting stays inside {@code workspace}.
     */
    public static Optional<Violation> check(Path workspace, Path projectDir, byte[] content) {
        Map<?, ?> project;
        try {
            project = parse(content);
        } catch (CharacterCodingException e) {
            return Optional.of(new Violation(null, FILE + " must be UTF-8 text."));
        } catch (YAMLException e) {
            return Optional.of(new Violation(null, FILE + " is not valid YAML: " + problem(e)));
        }
        for (Map.Entry<?, ?> entry : project.entrySet()) {
            if (!(entry.getKey() instanceof String key)) {
                return Optional.of(new Violation(null, "Every key of " + FILE + " must be text."));
            }
            boolean list = LIST_KEYS.contains(hyphenated(key));
            if (!list && !SINGLE_KEYS.contains(hyphenated(key))) {
                continue;
            }
            Optional<Violation> violation = list ? checkList(workspace, projectDir, key, entry.getValue())
                    : checkFolder(workspace, projectDir, key, entry.getValue());
            if (violation.isPresent()) {
                return violation;
            }
        }
        return Optional.empty();
    }

    /** A YAML file of dbt's, as dbt's loader reads it: UTF-8, a mapping at the top, no duplicate keys. */
    static Map<?, ?> parse(byte[] content) throws CharacterCodingException {
        String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString();
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(50);
        Object root = new Yaml(new SafeConstructor(options)).load(text);
        if (root == null) {
            return Map.of();
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new YAMLException("the top level must be a mapping of settings");
        }
        return map;
    }

    private static Optional<Violation> checkList(Path workspace, Path projectDir, String key, Object value) {
        if (!(value instanceof List<?> folders)) {
            return Optional.of(new Violation(key, "The setting '" + key + "' in " + FILE + " must be a list of folders."));
        }
        for (Object folder : folders) {
            Optional<Violation> violation = checkFolder(workspace, projectDir, key, folder);
            if (violation.isPresent()) {
                return violation;
            }
        }
        return Optional.empty();
    }

    private static Optional<Violation> checkFolder(Path workspace, Path projectDir, String key, Object value) {
        if (!(value instanceof String folder) || !plainFolder(folder)) {
            return Optional.of(new Violation(key, "The setting '" + key + "' in " + FILE + " must name folders inside your "
                    + "workspace, like \"models\": letters, digits, '_', '-', '.' and '/', no '..', no absolute path, no Jinja."));
        }
        if (!insideWorkspace(workspace, projectDir.resolve(folder).normalize())) {
            return Optional.of(new Violation(key, "The setting '" + key + "' in " + FILE + " leads outside your workspace: '"
                    + folder + "'."));
        }
        return Optional.empty();
    }

    static boolean plainFolder(String folder) {
        return folder.length() <= MAX_LENGTH && RELATIVE_FOLDER.matcher(folder).matches();
    }

    /** Decided on the real path of the deepest part that exists, so that a link on the way counts where it leads. */
    static boolean insideWorkspace(Path workspace, Path candidate) {
        if (!candidate.startsWith(workspace)) {
            return false;
        }
        Path existing = candidate;
        while (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        try {
            return existing.toRealPath().startsWith(workspace.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /** dbt's field names (model_paths) are accepted beside the YAML spelling, so both are checked. */
    private static String hyphenated(String key) {
        return key.replace('_', '-');
    }

    static String problem(YAMLException e) {
        if (e instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
            return marked.getProblem() + " (line " + (marked.getProblemMark().getLine() + 1) + ").";
        }
        return e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
    }
}
