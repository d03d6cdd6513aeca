package dev.decode.runner.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.decode.runner.platform.errors.ProblemException;

/** Which offered versions a packages file gets, read from a package directory built here, and what it is refused. */
class PackageRequestsTest {

    @TempDir
    Path offered;

    private DbtPackages.Catalog catalog;

    @BeforeEach
    void offer() throws IOException {
        for (String version : List.of("1.0.0", "1.5.0", "1.6.0-rc1", "2.0.0-b1", "2.0.0")) {
            pack("acme/base/" + version, "acme_base", null);
        }
        pack("acme/helpers/2.1.0", "acme_helpers", "packages:\n  - package: acme/base\n    version: [\">=1.0.0\", \"<2.0.0\"]\n");
        pack("acme/needs_missing/1.0.0", "needs_missing", "packages:\n  - package: acme/elsewhere\n    version: 1.0.0\n");
        pack("acme/needs_git/1.0.0", "needs_git", "packages:\n  - git: https://example.invalid/x.git\n    revision: main\n");
        Files.createDirectories(offered.resolve("acme/no_project/1.0.0"));
        Files.writeString(Files.createDirectories(offered.resolve("acme/base/latest")).resolve("dbt_project.yml"), "name: x\n");
        Files.createDirectories(offered.resolve(".hidden/pkg/1.0.0"));
        catalog = DbtPackages.Catalog.read(offered);
    }

    private void pack(String path, String project, String packagesYml) throws IOException {
        Path dir = Files.createDirectories(offered.resolve(path));
        Files.writeString(dir.resolve("dbt_project.yml"), "name: " + project + "\nversion: \"1.0.0\"\nconfig-version: 2\n");
        if (packagesYml != null) {
            Files.writeString(dir.resolve("packages.yml"), packagesYml);
        }
    }

    private List<String> resolve(String packagesYml) {
        List<PackageRequests.Request> requests = PackageRequests.read("packages.yml", packagesYml.getBytes(StandardCharsets.UTF_8), catalog)
                .orElseThrow();
        return PackageRequests.resolve(requests, catalog).stream().map(DbtPackages.Offered::toString).toList();
    }

    private String refusal(String packagesYml) {
        try {
            resolve(packagesYml);
        } catch (ProblemException e) {
            assertThat(e.slug()).isEqualTo("invalid-request");
            return e.detail();
        }
        throw new AssertionError("accepted: " + packagesYml);
    }

    @Test
    void onlyFoldersLaidOutAsNamespacePackageVersionWithAProjectAreOffered() {
        assertThat(catalog.packages().keySet()).containsExactly("acme/base", "acme/helpers", "acme/needs_git", "acme/needs_missing");
        assertThat(catalog.versionsOf("acme/base")).extracting(DbtPackages.Offered::label)
                .containsExactly("1.0.0", "1.5.0", "1.6.0-rc1", "2.0.0-b1", "2.0.0");
        assertThat(DbtPackages.Catalog.read(offered.resolve("missing")).packages()).isEmpty();
    }

    static Stream<Arguments> versions() {
        return Stream.of(
                Arguments.of("1.0.0", "acme/base 1.0.0"),
                Arguments.of("\"=1.5.0\"", "acme/base 1.5.0"),
                Arguments.of("\">=1.0.0\"", "acme/base 2.0.0"),
                Arguments.of("\">=1.0.0,<2.0.0\"", "acme/base 1.5.0"),
                Arguments.of("[\">=1.0.0\", \"<2.0.0\"]", "acme/base 1.5.0"),
                Arguments.of("[\">1.0.0\", \"<=1.5.0\"]", "acme/base 1.5.0"),
                Arguments.of("\">=1.6.0-rc1,<2.0.0\"", "acme/base 1.6.0-rc1"),
                Arguments.of("\"<2.0.0\"\n    install-prerelease: true", "acme/base 1.6.0-rc1"),
                Arguments.of("2.0.0-b1", "acme/base 2.0.0-b1"));
    }

    @ParameterizedTest
    @MethodSource("versions")
    void theHighestOfferedVersionWithinTheRangeIsChosenAndPreReleasesOnlyWhenAsked(String version, String chosen) {
        assertThat(resolve("packages:\n  - package: acme/base\n    version: " + version + "\n")).containsExactly(chosen);
    }

    @Test
    void whatAnOfferedPackageNeedsIsResolvedFromTheDirectoryWithTheLearnersOwnBounds() {
        assertThat(resolve("packages:\n  - package: acme/helpers\n    version: 2.1.0\n")).containsExactly("acme/helpers 2.1.0", "acme/base 1.5.0");
        assertThat(resolve("packages:\n  - package: acme/helpers\n    version: 2.1.0\n  - package: acme/base\n    version: \"<1.5.0\"\n"))
                .containsExactly("acme/helpers 2.1.0", "acme/base 1.0.0");
        assertThat(refusal("packages:\n  - package: acme/helpers\n    version: 2.1.0\n  - package: acme/base\n    version: 2.0.0\n"))
                .contains("acme/base", "2.0.0", "<2.0.0", "offered: 1.0.0, 1.5.0, 1.6.0-rc1, 2.0.0-b1, 2.0.0");
        assertThat(refusal("packages:\n  - package: acme/needs_missing\n    version: 1.0.0\n"))
                .contains("'acme/elsewhere'", "needed by acme/needs_missing 1.0.0", "not offered");
        assertThat(refusal("packages:\n  - package: acme/needs_git\n    version: 1.0.0\n"))
                .contains("git package 'https://example.invalid/x.git'", "acme/needs_git 1.0.0's packages.yml");
    }

    private static final String EVERYTHING_OFFERED = "Offered: acme/base 1.0.0, 1.5.0, 1.6.0-rc1, 2.0.0-b1, 2.0.0; acme/helpers 2.1.0;";

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("- git: https://github.com/dbt-labs/dbt-utils.git\n    revision: 1.3.0",
                        List.of("git package 'https://github.com/dbt-labs/dbt-utils.git'", EVERYTHING_OFFERED)),
                Arguments.of("- local: ../../other_learner/workspace", List.of("local package '../../other_learner/workspace'", EVERYTHING_OFFERED)),
                Arguments.of("- tarball: https://codeload.github.com/x/y/tar.gz/1.0.0",
                        List.of("tarball package 'https://codeload.github.com/x/y/tar.gz/1.0.0'", EVERYTHING_OFFERED)),
                Arguments.of("- private: dbt-labs/internal", List.of("private package 'dbt-labs/internal'", EVERYTHING_OFFERED)),
                Arguments.of("- package: dbt-labs/dbt_utils\n    version: 1.3.3",
                        List.of("'dbt-labs/dbt_utils' is not offered", EVERYTHING_OFFERED.replace("Offered", "offered"))),
                Arguments.of("- package: acme/helpers\n    version: 3.0.0", List.of("'acme/helpers' matches 3.0.0; offered: 2.1.0.")),
                Arguments.of("- package: acme/helpers", List.of("'acme/helpers' in packages.yml needs a version", "offered: acme/helpers 2.1.0.")),
                Arguments.of("- package: acme/helpers\n    version: 2.1", List.of("version '2.1' of the package 'acme/helpers'", "acme/helpers 2.1.0")),
                Arguments.of("- package: acme/helpers\n    version: latest", List.of("version 'latest'", "acme/helpers 2.1.0")),
                Arguments.of("- package: \"{{ env_var('PKG') }}\"\n    version: 1.0.0",
                        List.of("names a hub package as 'package: namespace/name'", "acme/helpers 2.1.0")),
                Arguments.of("- package: acme/helpers\n    version: 2.1.0\n    subdirectory: x", List.of("'acme/helpers'", "setting 'subdirectory'")),
                Arguments.of("- package: acme/helpers\n    version: 2.1.0\n    install-prerelease: yes please",
                        List.of("'install-prerelease' of the package 'acme/helpers'")),
                Arguments.of("- acme/helpers", List.of("must be a mapping")));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void everythingButAnOfferedHubPackageIsRefusedNamingItAndWhatIsOffered(String entry, List<String> named) {
        assertThat(refusal("packages:\n  " + entry + "\n")).contains(named);
    }

    @Test
    void theFileItselfMustBeWhatDbtReads() {
        assertThat(PackageRequests.read("packages.yml", new byte[0], catalog)).isEmpty();
        assertThat(PackageRequests.read("packages.yml", "packages:\n".getBytes(StandardCharsets.UTF_8), catalog)).isEqualTo(Optional.of(List.of()));
        for (String file : List.of("packages: acme/helpers\n", "projects:\n  - name: core\n", "- package: acme/helpers\n",
                "packages:\n  - package: acme/helpers\n    version: 2.1.0\n    version: 1.0.0\n", "packages: [\n")) {
            assertThatThrownBy(() -> PackageRequests.read("packages.yml", file.getBytes(StandardCharsets.UTF_8), catalog))
                    .as(file).isInstanceOf(ProblemException.class).hasMessageContaining("packages.yml");
        }
    }
}
