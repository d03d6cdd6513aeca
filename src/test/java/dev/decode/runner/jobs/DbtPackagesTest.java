package dev.decode.runner.jobs;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.decode.runner.platform.UserDirectories;
import dev.decode.runner.support.DbtEnvironment;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * dbt packages from the operator's package directory (application.properties points the tests at
 * target/test-dbt-packages, built here): offered packages are listed, a packages.yml naming them round-trips through
 * the file API while anything else is refused, a deps job links them into the workspace with the real dbt and no
 * network, a build uses their macros, and no job can change the one shared copy.
 */
@QuarkusTest
class DbtPackagesTest {

    private static final Path OFFERED = Path.of("target/test-dbt-packages").toAbsolutePath();
    private static final String HELPERS = "packages:\n  - package: decode-test/helpers\n    version: 2.1.0\n";

    @Inject
    Confinement confinement;

    /**
     * Two small packages: helpers' macro calls base's, and helpers' own packages.yml asks for base within a range. The
     * namespace exists on no hub, so a dbt that went looking there would fail.
     */
    @BeforeAll
    static void offerPackages() throws IOException {
        UserDirectories.deleteTree(OFFERED);
        for (String version : List.of("1.0.0", "1.5.0")) {
            Path base = pack("decode-test/base/" + version, "decode_base");
            Files.writeString(base.resolve("macros/base.sql"), "{% macro base_one() %}1{% endmacro %}\n"
                    + "{% macro base_version() %}'" + version + "'{% endmacro %}\n");
        }
        Path helpers = pack("decode-test/helpers/2.1.0", "decode_helpers");
        Files.writeString(helpers.resolve("macros/plus_one.sql"), "{% macro plus_one(x) %}({{ x }} + {{ decode_base.base_one() }}){% endmacro %}\n");
        Files.writeString(helpers.resolve("packages.yml"), "packages:\n  - package: decode-test/base\n    version: [\">=1.0.0\", \"<2.0.0\"]\n");
        Files.createDirectories(OFFERED.resolve("decode-test/not_a_package/1.0.0"));
        Files.createDirectories(OFFERED.resolve("decode-test/helpers/unversioned"));
    }

    private static Path pack(String path, String project) throws IOException {
        Path dir = Files.createDirectories(OFFERED.resolve(path).resolve("macros"));
        Files.writeString(dir.resolveSibling("dbt_project.yml"), "name: " + project + "\nversion: \"1.0.0\"\nconfig-version: 2\n"
                + "macro-paths: [\"macros\"]\n");
        return dir.getParent();
    }

    private record Learner(String username, String token, Path workspace) {
    }

    private static Learner learner(String prefix) {
        String username = uniqueUsername(prefix);
        String token = createUser(username);
        as(token).contentType(ContentType.JSON).body(Map.of("template", "empty")).post("/api/v1/workspace/reset").then().statusCode(200);
        return new Learner(username, token, JobApi.userDir(username).resolve("workspace"));
    }

    @Test
    void theOfferedPackagesAreListedFromTheDirectory() {
        as(learner("lister").token()).get("/api/v1/packages").then().statusCode(200)
                .body("packages.name", equalTo(List.of("decode-test/base", "decode-test/helpers")))
                .body("packages[0].versions", equalTo(List.of("1.0.0", "1.5.0")))
                .body("packages[1].versions", equalTo(List.of("2.1.0")));
    }

    @Test
    void packagesFilesRoundTripThroughTheFileApi() {
        String token = learner("writer").token();

        as(token).contentType(ContentType.TEXT).body(HELPERS).put("/api/v1/workspace/files/packages.yml")
                .then().statusCode(201).body("path", equalTo("packages.yml")).body("size", equalTo(HELPERS.length()));
        as(token).get("/api/v1/workspace/files/packages.yml").then().statusCode(200).body(equalTo(HELPERS));
        as(token).get("/api/v1/workspace/files").then().statusCode(200).body("files.path", org.hamcrest.Matchers.hasItem("packages.yml"));
        String ranged = "packages:\n  - package: decode-test/base\n    version: [\">=1.0.0\", \"<2.0.0\"]\n";
        as(token).contentType(ContentType.TEXT).body(ranged).put("/api/v1/workspace/files/packages.yml").then().statusCode(200);
        as(token).get("/api/v1/workspace/files/packages.yml").then().statusCode(200).body(equalTo(ranged));

        // dbt refuses packages in both files; so does the upload, and packages.yml stays as it was.
        as(token).contentType(ContentType.TEXT).body(HELPERS).put("/api/v1/workspace/files/dependencies.yml")
                .then().statusCode(400).body("type", equalTo("/problems/invalid-request")).body("detail", containsString("not both"));
        as(token).delete("/api/v1/workspace/files/packages.yml").then().statusCode(204);
        as(token).contentType(ContentType.TEXT).body(HELPERS).put("/api/v1/workspace/files/dependencies.yml").then().statusCode(201);
        as(token).get("/api/v1/workspace/files/dependencies.yml").then().statusCode(200).body(equalTo(HELPERS));
    }

    @Test
    void packagesThatAreNotOfferedAreRefusedNamingThePackageAndWhatIsOffered() {
        String token = learner("refused").token();
        as(token).contentType(ContentType.TEXT).body(HELPERS).put("/api/v1/workspace/files/packages.yml").then().statusCode(201);
        String offered = "decode-test/base 1.0.0, 1.5.0; decode-test/helpers 2.1.0";

        Map<String, List<String>> refused = new TreeMap<>(Map.of(
                "  - git: https://github.com/dbt-labs/dbt-utils.git\n    revision: 1.3.0\n",
                List.of("git package 'https://github.com/dbt-labs/dbt-utils.git'", offered),
                "  - local: ../../someone_else/workspace\n", List.of("local package '../../someone_else/workspace'", offered),
                "  - tarball: https://codeload.github.com/dbt-labs/dbt-utils/tar.gz/1.3.0\n",
                List.of("tarball package 'https://codeload.github.com/dbt-labs/dbt-utils/tar.gz/1.3.0'", offered),
                "  - private: dbt-labs/internal\n", List.of("private package 'dbt-labs/internal'", offered),
                "  - package: dbt-labs/dbt_utils\n    version: 1.3.3\n", List.of("'dbt-labs/dbt_utils' is not offered", offered),
                "  - package: decode-test/helpers\n    version: 3.0.0\n", List.of("'decode-test/helpers'", "offered: 2.1.0"),
                "  - package: decode-test/base\n    version: \">=2.0.0\"\n", List.of("'decode-test/base'", "offered: 1.0.0, 1.5.0")));
        refused.forEach((entry, named) -> {
            var answer = as(token).contentType(ContentType.TEXT).body("packages:\n" + entry).put("/api/v1/workspace/files/packages.yml")
                    .then().statusCode(400).contentType("application/problem+json").body("type", equalTo("/problems/invalid-request"));
            named.forEach(text -> answer.body("detail", containsString(text)));
        });
        as(token).contentType(ContentType.TEXT).body("packages:\n" + refused.keySet().iterator().next())
                .put("/api/v1/workspace/files/dependencies.yml").then().statusCode(400);
        as(token).contentType(ContentType.TEXT).body(HELPERS).put("/api/v1/workspace/files/models/packages.yml")
                .then().statusCode(400).body("type", equalTo("/problems/invalid-path"));

        as(token).get("/api/v1/workspace/files/packages.yml").then().statusCode(200).body(equalTo(HELPERS));
        as(token).get("/api/v1/workspace/files/dependencies.yml").then().statusCode(404);
    }

    @Test
    void aDepsJobLinksTheOfferedPackagesAndABuildUsesTheirMacros() throws Exception {
        Learner learner = learner("builder");
        String token = learner.token();
        Map<String, String> sharedBefore = fingerprint(OFFERED);
        JobApi.put(token, "packages.yml", HELPERS);
        JobApi.put(token, "models/answer.sql", "select {{ decode_helpers.plus_one(41) }} as answer, {{ decode_base.base_version() }} as base\n");

        JsonPath deps = JobApi.awaitEnd(token, JobApi.submit(token, Map.of("command", "deps")), Duration.ofMinutes(2));
        String depsLog = log(token, deps.getString("id"));
        assertThat(deps.getString("status")).as(depsLog).isEqualTo("succeeded");
        assertThat(deps.getList("args", String.class)).containsExactly("deps");
        assertThat(depsLog).contains("Installing decode-test/helpers/2.1.0", "Installing decode-test/base/1.5.0")
                .doesNotContain(OFFERED.toString(), "hub.getdbt.com");
        Path installed = learner.workspace().resolve("dbt_packages");
        assertThat(Files.readSymbolicLink(installed.resolve("decode_helpers"))).isEqualTo(OFFERED.resolve("decode-test/helpers/2.1.0"));
        assertThat(Files.readSymbolicLink(installed.resolve("decode_base"))).isEqualTo(OFFERED.resolve("decode-test/base/1.5.0"));
        as(token).get("/api/v1/workspace/files").then().statusCode(200)
                .body("files.path", equalTo(List.of("dbt_project.yml", "models/answer.sql", "packages.yml")));

        JsonPath build = JobApi.awaitEnd(token, JobApi.submit(token, Map.of("command", "build")), Duration.ofMinutes(3));
        assertThat(build.getString("status")).as(log(token, build.getString("id"))).isEqualTo("succeeded");
        as(token).contentType(ContentType.JSON).body(Map.of("sql", "select answer, base from answer"))
                .post("/api/v1/queries").then().statusCode(200).body("rows[0]", equalTo(List.of(42, "1.5.0")));

        // Installing again replaces the links; the shared copy is what it was throughout.
        JsonPath again = JobApi.awaitEnd(token, JobApi.submit(token, Map.of("command", "deps")), Duration.ofMinutes(2));
        assertThat(again.getString("status")).isEqualTo("succeeded");
        assertThat(Files.isSymbolicLink(installed.resolve("decode_helpers"))).isTrue();
        assertThat(fingerprint(OFFERED)).isEqualTo(sharedBefore);
    }

    @Test
    void aConfinedJobReadsTheSharedPackagesButCannotAlterThem() throws Exception {
        Path dbt = DbtEnvironment.dbt();
        assumeTrue(confinement.landlockAbi(dbt) > 0, "this kernel offers no Landlock");
        Learner learner = learner("vandal");
        JobApi.put(learner.token(), "packages.yml", HELPERS);
        JsonPath deps = JobApi.awaitEnd(learner.token(), JobApi.submit(learner.token(), Map.of("command", "deps")), Duration.ofMinutes(2));
        assertThat(deps.getString("status")).isEqualTo("succeeded");
        Map<String, String> sharedBefore = fingerprint(OFFERED);
        Path linked = learner.workspace().resolve("dbt_packages/decode_helpers");

        assertThat(runConfined(dbt, learner.username(), "/bin/cat", linked.resolve("macros/plus_one.sql").toString())).contains("macro plus_one");
        for (String attempt : List.of("echo '{% macro planted() %}{% endmacro %}' > " + linked.resolve("macros/planted.sql"),
                "echo changed >> " + linked.resolve("macros/plus_one.sql"),
                "rm " + linked.resolve("dbt_project.yml"),
                "mv " + OFFERED.resolve("decode-test/base/1.0.0") + " " + OFFERED.resolve("decode-test/base/9.9.9"),
                "mkdir " + OFFERED.resolve("decode-test/planted"))) {
            assertThat(runConfined(dbt, learner.username(), "/bin/sh", "-c", attempt + " && echo done")).as(attempt)
                    .doesNotContain("done").containsAnyOf("Permission denied", "Operation not permitted");
        }
        // The learner's own folder stays theirs: removing the link removes the link only.
        assertThat(runConfined(dbt, learner.username(), "/bin/sh", "-c", "rm " + linked + " && echo done")).isEqualTo("done\n");
        assertThat(fingerprint(OFFERED)).isEqualTo(sharedBefore);
    }

    @Test
    void aDepsJobRefusesWhatIsNoLongerOfferedAndAnInstallFolderThatHoldsTheLearnersFiles() throws IOException {
        Learner learner = learner("stale");
        String token = learner.token();
        // Written straight to disk, as if the package had been offered when it was uploaded.
        Files.writeString(learner.workspace().resolve("packages.yml"), "packages:\n  - package: decode-test/gone\n    version: 1.0.0\n");
        JsonPath gone = JobApi.awaitEnd(token, JobApi.submit(token, Map.of("command", "deps")), Duration.ofMinutes(2));
        assertThat(gone.getString("status")).isEqualTo("failed");
        assertThat(gone.getString("exitCode")).isNull();
        assertThat(log(token, gone.getString("id"))).contains("dbt did not start", "'decode-test/gone' is not offered", "decode-test/helpers 2.1.0");

        JobApi.put(token, "packages.yml", HELPERS);
        JobApi.put(token, "models/kept.sql", "select 1 as one\n");
        JobApi.put(token, "dbt_project.yml", "name: my_project\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: decode\n"
                + "packages-install-path: models\n");
        JsonPath overwriting = JobApi.awaitEnd(token, JobApi.submit(token, Map.of("command", "deps")), Duration.ofMinutes(2));
        assertThat(overwriting.getString("status")).isEqualTo("failed");
        assertThat(log(token, overwriting.getString("id"))).contains("dbt did not start", "'models'", "models/kept.sql");
        as(token).get("/api/v1/workspace/files/models/kept.sql").then().statusCode(200).body(equalTo("select 1 as one\n"));

        as(token).delete("/api/v1/workspace/files/packages.yml").then().statusCode(204);
        as(token).contentType(ContentType.JSON).body(Map.of("command", "deps", "select", "x")).post("/api/v1/jobs")
                .then().statusCode(400).body("detail", allOf(containsString("'select'"), containsString("deps")));
    }

    private static String log(String token, String id) {
        return as(token).accept("text/plain").get("/api/v1/jobs/" + id + "/logs").asString();
    }

    private String runConfined(Path dbt, String username, String... command) throws Exception {
        Process process = new ProcessBuilder(confinement.wrap(dbt, username, List.of(command))).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    /** Every file and folder below {@code dir} with a hash of its content. */
    private static Map<String, String> fingerprint(Path dir) throws Exception {
        Map<String, String> files = new TreeMap<>();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.toList()) {
                files.put(dir.relativize(path).toString(),
                        Files.isRegularFile(path) ? HexFormat.of().formatHex(sha.digest(Files.readAllBytes(path))) : "folder");
            }
        }
        return files;
    }
}
