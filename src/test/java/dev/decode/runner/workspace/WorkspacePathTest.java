package dev.decode.runner.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.decode.runner.platform.errors.ProblemException;

class WorkspacePathTest {

    @ParameterizedTest
    @ValueSource(strings = { "dbt_project.yml", "README.md", "models/a.sql", "models/staging/stg_orders.sql",
            "seeds/statuses.csv", "tests/assert_x.sql", "macros/m.sql", "snapshots/s.sql", "analyses/a.sql",
            "models/schema.yaml", "models/docs.md", "models/a/b/c/d/e/f/g.sql", "packages.yml", "dependencies.yml" })
    void acceptsTheContractsPaths(String path) {
        assertThat(WorkspacePath.of(path).value()).isEqualTo(path);
        assertThat(WorkspacePath.problemWith(path, ProjectFolders.STANDARD)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "..", "../x.sql", "models/../../x.sql", "models/../dbt_project.yml", "/etc/passwd",
            "/models/a.sql", "models\\a.sql", "models/.hidden.sql", ".git/config", "models/.dir/a.sql", "models//a.sql",
            "models/a.sql/", "models/./a.sql", "profiles.yml", "models/profiles.yml", "models/PROFILES.YML", "packages.yaml",
            "models/packages.yml", "seeds/dependencies.yml", "profiles.YML", "models/%2e%2e/a.sql", "models/a%00.sql", "models/a .sql",
            "models/a\u0000.sql", "models/a\n.sql", "models/ü.sql", "models/a/b/c/d/e/f/g/h.sql", "models/~/a.sql" })
    void refusesPathsWhoseTextBreaksTheRulesBeforeTheProjectIsRead(String path) {
        assertThatThrownBy(() -> WorkspacePath.of(path)).isInstanceOf(ProblemException.class)
                .satisfies(e -> assertThat(((ProblemException) e).slug()).isEqualTo("invalid-path"));
        assertThat(WorkspacePath.problemWith(path, ProjectFolders.STANDARD)).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = { "models/a.py", "models/a.SQL", "Models/a.sql", "MODELS/a.sql", "models", "target/run/a.sql",
            "logs/dbt.log", "dbt_packages/x/a.sql", "x.sql", "README.MD", "DBT_PROJECT.yml", "models/a.sql.py", "transform/a.sql",
            "data-tests/a.sql" })
    void refusesFilesOutsideTheStandardFoldersOrOfOtherKinds(String path) {
        assertThat(WorkspacePath.problemWith(path, ProjectFolders.STANDARD)).isPresent();
    }

    @Test
    void theFoldersAProjectNamesAreAllowedBesideTheStandardOnes() {
        ProjectFolders folders = ProjectFolders.of(("name: p\nmodel-paths: [\"transform\", \"src/marts/\"]\nseed-paths: [\"data\"]\n"
                + "test-paths: [\"data-tests\"]\nmacro_paths: [\"jinja\"]\ndocs-paths: [\"docs\"]\nasset-paths: [\"assets\"]\n"
                + "analysis-paths: [\"../outside\", \"{{ env_var('X') }}\"]\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));

        for (String path : List.of("transform/a.sql", "src/marts/b.sql", "src/marts/deeper/c.yml", "data/raw.csv", "data-tests/t.sql",
                "jinja/m.sql", "docs/overview.md", "models/still.sql", "seeds/still.csv")) {
            assertThat(WorkspacePath.problemWith(path, folders)).as(path).isEmpty();
        }
        assertThat(WorkspacePath.problemWith("src/other.sql", folders)).get().asString().contains("transform/", "data-tests/");
        for (String path : List.of("assets/logo.sql", "Transform/a.sql", "transform/a.py", "transform/.hidden.sql",
                "data/profiles.yml", "outside/a.sql", "src/a.sql", "transformx/a.sql", "transform")) {
            assertThat(WorkspacePath.problemWith(path, folders)).as(path).isPresent();
        }
        assertThat(folders.seeds()).containsExactly("data");
        assertThat(ProjectFolders.of("data-paths: [\"legacy\"]\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)).seeds())
                .containsExactly("legacy");
        assertThat(ProjectFolders.of("not: [valid".getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(ProjectFolders.STANDARD);
    }

    @Test
    void refusesPathsOverTwoHundredCharacters() {
        String path = "models/" + "a".repeat(190) + ".sql";
        assertThatThrownBy(() -> WorkspacePath.of(path)).isInstanceOf(ProblemException.class);
    }

    @Test
    void refusesALinkOnTheWayEvenToAPlaceInsideTheWorkspace(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("workspace"));
        Files.createDirectories(root.resolve("seeds"));
        Files.createSymbolicLink(root.resolve("models"), dir);

        assertThatThrownBy(() -> Workspaces.resolve(root, WorkspacePath.of("models/a.sql"))).isInstanceOf(ProblemException.class)
                .hasMessageContaining("link");
        assertThat(Workspaces.resolve(root, WorkspacePath.of("seeds/a.csv"))).isEqualTo(root.resolve("seeds/a.csv"));
    }
}
