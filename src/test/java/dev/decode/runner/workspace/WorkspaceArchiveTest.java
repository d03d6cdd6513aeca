package dev.decode.runner.workspace;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.decode.runner.support.Api;
import dev.decode.runner.workspace.Archives.Entry;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;

/**
 * A whole workspace as one archive, through the HTTP API: real zips and tars, written by java.util.zip, GNU tar and
 * Python, unpacked into real workspaces that the real dbt then builds. Every refusal leaves the learner's directory
 * exactly as it was.
 */
@QuarkusTest
class WorkspaceArchiveTest {

    private static final String ZIP = "application/zip";
    private static final String GZIP = "application/gzip";
    private static final String MODEL = "select count(*) as customers from {{ ref('stg_customers') }}\n";

    @Test
    void aZipOfTheStarterUnderOneTopFolderReplacesTheWorkspaceAndBuilds() throws Exception {
        String token = createUser(uniqueUsername("zipper"));
        Map<String, byte[]> project = Archives.starter();
        project.remove("README.md");
        project.put("models/marts/from_archive.sql", MODEL.getBytes(StandardCharsets.UTF_8));
        Map<String, byte[]> underTopFolder = new LinkedHashMap<>();
        project.forEach((path, content) -> underTopFolder.put("starter-main/" + path, content));

        JsonPath answer = upload(token, ZIP, Archives.zip(underTopFolder), "").statusCode(200).extract().jsonPath();

        assertThat(answer.getList("files.path", String.class)).containsExactlyInAnyOrderElementsOf(project.keySet());
        assertThat(answer.getList("skipped")).isEmpty();
        assertThat(answer.getLong("totalBytes")).isEqualTo(project.values().stream().mapToLong(content -> content.length).sum());
        assertSameFiles(token, project);
        JsonPath job = build(token);
        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getList("nodes.uniqueId", String.class)).contains("model.starter.from_archive", "seed.starter.order_statuses");
        assertThat(job.getList("nodes.status", String.class)).containsOnly("success", "pass");
    }

    @Test
    void aTarGzWrittenByGnuTarReplacesTheWorkspaceAndBuilds() throws Exception {
        String token = createUser(uniqueUsername("tarrer"));
        Map<String, byte[]> project = Archives.starter();
        String longName = "models/marts/" + "a_model_whose_name_is_longer_than_a_tar_header_holds_".repeat(2) + "x.sql";
        project.put(longName, MODEL.getBytes(StandardCharsets.UTF_8));

        JsonPath answer = upload(token, GZIP, Archives.gnuTarGz(project), "").statusCode(200).extract().jsonPath();

        assertThat(longName.length()).isBetween(101, 200);
        assertThat(answer.getList("files.path", String.class)).containsExactlyInAnyOrderElementsOf(project.keySet());
        assertSameFiles(token, project);
        JsonPath job = build(token);
        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getList("nodes.status", String.class)).containsOnly("success", "pass");
        assertThat(job.getList("nodes.uniqueId", String.class)).anyMatch(id -> id.startsWith("model.starter.a_model_whose_name"));
    }

    @Test
    void aPaxTarWithFoldersUploadsToo() throws Exception {
        String token = createUser(uniqueUsername("paxer"));
        upload(token, GZIP, Archives.python("tar.gz", List.of(Entry.folder("project"), Entry.folder("project/models"),
                Entry.file("project/dbt_project.yml", "name: pax\nversion: '1.0'\nprofile: decode\n"),
                Entry.file("project/models/näive.sql", "select 1 as one\n"), Entry.file("project/models/one.sql", "select 1 as one\n"))), "")
                .statusCode(200)
                .body("files.path", equalTo(List.of("dbt_project.yml", "models/one.sql")))
                .body("skipped.path", equalTo(List.of("project/models/näive.sql")));
    }

    @Test
    void theDownloadedWorkspaceUploadsBackToTheSameFiles() throws Exception {
        String token = createUser(uniqueUsername("roundtrip"));
        as(token).contentType(ContentType.TEXT).body(MODEL).when().put("/api/v1/workspace/files/models/marts/mine.sql").then().statusCode(201);
        List<String> paths = as(token).get("/api/v1/workspace/files").then().statusCode(200).extract().path("files.path");
        Map<String, byte[]> before = new TreeMap<>();
        for (String path : paths) {
            before.put(path, as(token).get("/api/v1/workspace/files/" + path).then().statusCode(200).extract().asByteArray());
        }

        byte[] archive = as(token).when().get("/api/v1/workspace/archive").then().statusCode(200).contentType(ZIP)
                .header("Content-Disposition", containsString("workspace.zip")).extract().asByteArray();
        assertThat(new TreeMap<>(Archives.unzip(archive))).containsExactlyEntriesOf(before);

        as(token).contentType(ContentType.JSON).body(Map.of("template", "empty")).when().post("/api/v1/workspace/reset").then().statusCode(200);
        upload(token, ZIP, archive, "").statusCode(200).body("files.path", equalTo(paths)).body("skipped.size()", equalTo(0));
        assertSameFiles(token, before);
    }

    @Test
    void filesThatBreakARuleAreSkippedWithTheirReasonUnlessStrictRefusesThemAll() throws Exception {
        String username = uniqueUsername("skipper");
        String token = learnerWithWorkspace(username);
        byte[] projectFile = Archives.starter().get("dbt_project.yml");
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("proj/dbt_project.yml", projectFile);
        files.put("proj/models/a.sql", "select 1 as a\n".getBytes(StandardCharsets.UTF_8));
        files.put("proj\\models\\windows.sql", "select 2 as b\n".getBytes(StandardCharsets.UTF_8));
        files.put("proj/models/b.py", "def model(dbt, session): pass\n".getBytes(StandardCharsets.UTF_8));
        files.put("proj/.gitignore", "target/\n".getBytes(StandardCharsets.UTF_8));
        files.put("proj/target/manifest.json", "{}".getBytes(StandardCharsets.UTF_8));
        files.put("proj/profiles.yml", "decode: {}\n".getBytes(StandardCharsets.UTF_8));
        files.put("proj/analyses/nested/dbt_project.yml", "name: nested\nmodel-paths: ['../../../elsewhere']\n".getBytes(StandardCharsets.UTF_8));
        files.put("__MACOSX/", new byte[0]);
        files.put("__MACOSX/proj/models/._a.sql", new byte[] { 0, 5, 22, 7 });
        byte[] archive = Archives.zip(files);

        Map<String, String> before = snapshot(username);
        ValidatableResponse refused = upload(token, ZIP, archive, "?strict=true").statusCode(400)
                .contentType("application/problem+json").body("type", equalTo("/problems/invalid-request"));
        for (String path : List.of("proj/models/b.py", "proj/.gitignore", "proj/target/manifest.json", "proj/profiles.yml",
                "proj/analyses/nested/dbt_project.yml", "__MACOSX/proj/models/._a.sql")) {
            refused.body("detail", containsString("'" + path + "'"));
        }
        refused.body("detail", not(containsString("'proj/models/a.sql'"))).body("detail", not(containsString("windows.sql")));
        assertThat(snapshot(username)).isEqualTo(before);
        upload(token, ZIP, archive, "?strict=maybe").statusCode(400).body("detail", containsString("'strict'"));
        assertThat(snapshot(username)).isEqualTo(before);

        JsonPath answer = upload(token, ZIP, archive, "?strict=false").statusCode(200).extract().jsonPath();
        assertThat(answer.getList("files.path", String.class)).containsExactly("dbt_project.yml", "models/a.sql", "models/windows.sql");
        Map<String, String> reasons = skippedReasons(answer);
        assertThat(reasons).containsOnlyKeys("proj/models/b.py", "proj/.gitignore", "proj/target/manifest.json", "proj/profiles.yml",
                "proj/analyses/nested/dbt_project.yml", "__MACOSX/proj/models/._a.sql");
        assertThat(reasons.get("proj/models/b.py")).contains("Only .sql");
        assertThat(reasons.get("proj/profiles.yml")).contains("managed by the service");
        assertThat(reasons.get("proj/target/manifest.json")).contains("Files live below the project's folders: models/");
        assertThat(reasons.get("proj/analyses/nested/dbt_project.yml")).contains("model-paths").contains("inside your workspace");

        Map<String, byte[]> nothingAllowed = Map.of("models/a.py", new byte[1], "notes.txt", new byte[1]);
        upload(token, ZIP, Archives.zip(nothingAllowed), "").statusCode(400).body("detail", containsString("None of the archive's files"));
        as(token).get("/api/v1/workspace/files").then().statusCode(200)
                .body("files.path", equalTo(List.of("dbt_project.yml", "models/a.sql", "models/windows.sql")));
    }

    @Test
    void theArchivesOwnProjectFileNamesItsFoldersAndItsPackagesFileIsCheckedLikeAnUpload() {
        String token = createUser(uniqueUsername("layouts"));
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("shop/dbt_project.yml", ("name: shop\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: shop\n"
                + "model-paths: [\"transform\"]\nseed-paths: [\"data\"]\ntest-paths: [\"data-tests\"]\n").getBytes(StandardCharsets.UTF_8));
        files.put("shop/transform/a.sql", "select 1 as id\n".getBytes(StandardCharsets.UTF_8));
        files.put("shop/data/raw.csv", "id\n1\n".getBytes(StandardCharsets.UTF_8));
        files.put("shop/data-tests/no_rows.sql", "select * from {{ ref('a') }} where id < 0\n".getBytes(StandardCharsets.UTF_8));
        files.put("shop/models/still.sql", "select 2 as id\n".getBytes(StandardCharsets.UTF_8));
        files.put("shop/elsewhere/b.sql", "select 3 as id\n".getBytes(StandardCharsets.UTF_8));
        files.put("shop/packages.yml", "packages:\n  - git: https://example.com/pkg.git\n    revision: main\n".getBytes(StandardCharsets.UTF_8));

        JsonPath answer = upload(token, ZIP, Archives.zip(files), "").statusCode(200).extract().jsonPath();

        assertThat(answer.getList("files.path", String.class)).containsExactly("data-tests/no_rows.sql", "data/raw.csv",
                "dbt_project.yml", "models/still.sql", "transform/a.sql");
        Map<String, String> reasons = skippedReasons(answer);
        assertThat(reasons).containsOnlyKeys("shop/elsewhere/b.sql", "shop/packages.yml");
        assertThat(reasons.get("shop/elsewhere/b.sql")).contains("transform/", "data-tests/");
        assertThat(reasons.get("shop/packages.yml")).contains("git");
    }

    @Test
    void entriesLeadingOutOfTheWorkspaceRefuseTheWholeArchive() throws Exception {
        refusedLeavingTheDirectoryAsItWas("slipper", (username, token) -> {
            List<String> escapes = List.of("../../evil.sql", "models/../../../evil.sql", "/etc/evil.sql", "models\\..\\..\\evil.sql", "C:/evil.sql");
            for (String escape : escapes) {
                Map<String, byte[]> files = new LinkedHashMap<>(Archives.starter());
                files.put(escape, "select 1".getBytes(StandardCharsets.UTF_8));
                upload(token, ZIP, Archives.zip(files), "").statusCode(400).body("type", equalTo("/problems/invalid-request"))
                        .body("detail", containsString("outside the workspace")).body("detail", containsString("unchanged"));
                upload(token, GZIP, Archives.python("tar.gz", List.of(Entry.file("dbt_project.yml", "name: x\n"), Entry.file(escape, "select 1"))), "")
                        .statusCode(400).body("detail", containsString("outside the workspace"));
            }
            assertThat(userDir(username).resolveSibling("evil.sql")).doesNotExist();
            assertThat(userDir(username).getParent().resolveSibling("evil.sql")).doesNotExist();
        });
    }

    @Test
    void linksDevicesAndPipesRefuseTheWholeArchive() throws Exception {
        refusedLeavingTheDirectoryAsItWas("linker", (username, token) -> {
            Entry project = Entry.file("dbt_project.yml", "name: x\n");
            for (Entry special : List.of(Entry.special("symlink", "models/passwd.sql", "/etc/passwd"),
                    Entry.special("symlink", "models", "/tmp"))) {
                upload(token, ZIP, Archives.python("zip", List.of(project, special)), "").statusCode(400)
                        .body("detail", containsString("'" + special.name() + "' is a link"));
                upload(token, GZIP, Archives.python("tar.gz", List.of(project, special)), "").statusCode(400)
                        .body("detail", containsString("'" + special.name() + "' is a link"));
            }
            upload(token, GZIP, Archives.python("tar.gz", List.of(project, Entry.file("models/a.sql", "select 1"),
                    Entry.special("hardlink", "models/b.sql", "models/a.sql"))), "").statusCode(400)
                    .body("detail", containsString("'models/b.sql' is a link"));
            for (String type : List.of("chardev", "fifo")) {
                upload(token, GZIP, Archives.python("tar.gz", List.of(project, Entry.special(type, "models/dev.sql", null))), "")
                        .statusCode(400).body("detail", containsString("'models/dev.sql' is a device, pipe or socket"));
                upload(token, ZIP, Archives.python("zip", List.of(project, Entry.special(type, "models/dev.sql", null))), "")
                        .statusCode(400).body("detail", containsString("device, pipe or socket"));
            }
        });
    }

    @Test
    void decompressionBombsAreRefusedBeforeAByteIsWritten() throws Exception {
        refusedLeavingTheDirectoryAsItWas("bomber", (username, token) -> {
            int fiftyMiB = 50 * 1024 * 1024;

            byte[] zipBomb = Archives.zip(Map.of("dbt_project.yml", "name: x\n".getBytes(StandardCharsets.UTF_8), "seeds/zeros.csv", new byte[fiftyMiB]));
            assertThat(zipBomb.length).isLessThan(fiftyMiB / 500);
            upload(token, ZIP, zipBomb, "").statusCode(413).body("type", equalTo("/problems/quota-exceeded"))
                    .body("detail", containsString("'seeds/zeros.csv' unpacks to " + fiftyMiB + " bytes"));
            upload(token, GZIP, Archives.python("tar.gz", List.of(Entry.zeros("seeds/zeros.csv", fiftyMiB))), "").statusCode(413)
                    .body("detail", containsString("'seeds/zeros.csv' unpacks to " + fiftyMiB + " bytes"));

            // Each file within its quota and all within the workspace's, but a thousandfold compressed.
            Map<String, byte[]> dense = new LinkedHashMap<>();
            for (int i = 0; i < 19; i++) {
                dense.put("seeds/zeros_" + i + ".csv", new byte[1024 * 1024]);
            }
            upload(token, ZIP, Archives.zip(dense), "").statusCode(413).body("detail", containsString("times its compressed size"));

            // A central directory that understates what an entry unpacks to is caught while it is read.
            byte[] liar = understateFirstEntry(Archives.zip(Map.of("seeds/liar.csv", new byte[4 * 1024 * 1024])), 1000);
            upload(token, ZIP, liar, "").statusCode(400).body("detail", containsString("'seeds/liar.csv' holds more than the 1000 bytes"));

            // Hex digits compress about twofold: a body within its limit that unpacks to more than the workspace quota.
            Map<String, byte[]> overQuota = new LinkedHashMap<>();
            Random random = new Random(7);
            for (int i = 0; i < 21; i++) {
                byte[] noise = new byte[500 * 1000];
                random.nextBytes(noise);
                overQuota.put("seeds/hex_" + i + ".csv", HexFormat.of().formatHex(noise).getBytes(StandardCharsets.US_ASCII));
            }
            upload(token, ZIP, Archives.zip(overQuota), "").statusCode(413).body("detail", containsString("unpacks to more than 20971520 bytes"));

        });
    }

    @Test
    void tooManyFilesOrEntriesAreRefused() throws Exception {
        refusedLeavingTheDirectoryAsItWas("crowd", (username, token) -> {
            Map<String, byte[]> files = new LinkedHashMap<>();
            files.put("dbt_project.yml", "name: crowd\n".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 500; i++) {
                files.put("models/m" + i + ".sql", "select 1".getBytes(StandardCharsets.UTF_8));
            }
            upload(token, ZIP, Archives.zip(files), "").statusCode(413).body("type", equalTo("/problems/quota-exceeded"))
                    .body("detail", containsString("at most 500 files"));

            List<Entry> folders = new ArrayList<>();
            folders.add(Entry.file("dbt_project.yml", "name: x\n"));
            for (int i = 0; i < 2000; i++) {
                folders.add(Entry.folder("models/f" + i));
            }
            upload(token, GZIP, Archives.python("tar.gz", folders), "").statusCode(413).body("detail", containsString("more than 2000 entries"));
        });
    }

    @Test
    void malformedArchivesAreRefused() throws Exception {
        refusedLeavingTheDirectoryAsItWas("garbler", (username, token) -> {
            byte[] zip = Archives.zip(Archives.starter());
            byte[] tarGz = Archives.gnuTarGz(Archives.starter());
            Map<String, byte[]> bodies = new LinkedHashMap<>();
            bodies.put(ZIP + " text", "this is not a zip".getBytes(StandardCharsets.UTF_8));
            bodies.put(ZIP + " empty", new byte[0]);
            bodies.put(ZIP + " cut", java.util.Arrays.copyOf(zip, zip.length - 40));
            bodies.put(ZIP + " damaged", flipByteAt(zip, zip.length / 3));
            bodies.put(GZIP + " zip", zip);
            bodies.put(GZIP + " gzip of text", gzip("hello, this is no tar archive at all\n".repeat(40).getBytes(StandardCharsets.UTF_8)));
            bodies.put(GZIP + " cut", java.util.Arrays.copyOf(tarGz, tarGz.length / 2));
            for (Map.Entry<String, byte[]> body : bodies.entrySet()) {
                upload(token, body.getKey().split(" ")[0], body.getValue(), "").statusCode(400).contentType("application/problem+json")
                        .body("type", equalTo("/problems/invalid-request")).body("detail", containsString("cannot be read"));
            }
            upload(token, "text/plain", zip, "").statusCode(415).body("type", equalTo("/problems/unsupported-media-type"));
        });
    }

    @Test
    void anArchiveMayBeLargerThanOtherBodiesButNotThanItsOwnLimit() throws Exception {
        String username = uniqueUsername("bulky");
        String token = learnerWithWorkspace(username);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("dbt_project.yml", Archives.starter().get("dbt_project.yml"));
        Random random = new Random(11);
        for (int i = 0; i < 3; i++) {
            byte[] noise = new byte[1024 * 1024];
            random.nextBytes(noise);
            files.put("seeds/noise_" + i + ".csv", noise);
        }
        byte[] archive = Archives.zip(files);
        assertThat(archive.length).isGreaterThan(3 * 1024 * 1024);
        upload(token, ZIP, archive, "").statusCode(200).body("files.size()", equalTo(4));

        Map<String, String> before = snapshot(username);
        String refused = declareWithoutSending(token, 21 * 1024 * 1024);
        assertThat(refused).startsWith("HTTP/1.1 413").contains("/problems/quota-exceeded")
                .contains("archive may hold at most 20971520 bytes");
        assertThat(snapshot(username)).isEqualTo(before);
    }

    @Test
    void anUploadDuringARunningJobIsAcceptedAsFileWritesAre() throws Exception {
        String token = createUser(uniqueUsername("busy"));
        String job = Api.startSlowJob(token);
        await().atMost(Duration.ofMinutes(1)).until(() -> "running".equals(status(token, job)));

        Map<String, byte[]> project = Archives.starter();
        upload(token, ZIP, Archives.zip(project), "").statusCode(200).body("files.path", not(hasItem("models/slow.sql")));
        assertSameFiles(token, project);

        as(token).when().post("/api/v1/jobs/" + job + "/cancel").then().statusCode(202);
        await().atMost(Duration.ofMinutes(1)).until(() -> "cancelled".equals(status(token, job)));
    }

    private static Map<String, String> skippedReasons(JsonPath answer) {
        Map<String, String> reasons = new LinkedHashMap<>();
        answer.getList("skipped", Map.class).forEach(entry -> reasons.put((String) entry.get("path"), (String) entry.get("reason")));
        return reasons;
    }

    private static ValidatableResponse upload(String token, String contentType, byte[] body, String query) {
        return as(token).contentType(contentType).body(body).when().put("/api/v1/workspace" + query).then();
    }

    private static void assertSameFiles(String token, Map<String, byte[]> expected) {
        List<String> paths = as(token).get("/api/v1/workspace/files").then().statusCode(200).extract().path("files.path");
        assertThat(paths).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Map.Entry<String, byte[]> file : expected.entrySet()) {
            assertThat(as(token).get("/api/v1/workspace/files/" + file.getKey()).then().statusCode(200).extract().asByteArray())
                    .as(file.getKey()).isEqualTo(file.getValue());
        }
    }

    private static JsonPath build(String token) {
        String id = as(token).contentType(ContentType.JSON).body(Map.of("command", "build")).when().post("/api/v1/jobs")
                .then().statusCode(202).extract().path("id");
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(300))
                .until(() -> !List.of("queued", "running").contains(status(token, id)));
        return as(token).get("/api/v1/jobs/" + id).then().statusCode(200).extract().jsonPath();
    }

    private static String status(String token, String job) {
        return as(token).get("/api/v1/jobs/" + job).then().statusCode(200).extract().path("status");
    }

    /**
     * Every path below the learner's directory, files with their size, content hash and modification time (folders'
     * times change whenever the workspace is used). Taken once the workspace exists.
     */
    private static Map<String, String> snapshot(String username) throws Exception {
        Path root = userDir(username);
        assertThat(root.resolve("workspace")).isDirectory();
        Map<String, String> tree = new TreeMap<>();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> all = Files.walk(root)) {
            for (Path path : all.toList()) {
                tree.put(root.relativize(path).toString(), Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
                        ? Files.size(path) + " " + HexFormat.of().formatHex(sha.digest(Files.readAllBytes(path))) + " "
                                + Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS)
                        : "folder");
            }
        }
        return tree;
    }

    /** {@code refusals} by a learner whose workspace exists; then their directory must be exactly as before. */
    private static void refusedLeavingTheDirectoryAsItWas(String prefix, Refusals refusals) throws Exception {
        String username = uniqueUsername(prefix);
        String token = learnerWithWorkspace(username);
        Map<String, String> before = snapshot(username);
        refusals.run(username, token);
        assertThat(snapshot(username)).isEqualTo(before);
    }

    @FunctionalInterface
    private interface Refusals {
        void run(String username, String token) throws Exception;
    }

    /** A learner whose workspace exists, and so can be compared before and after. */
    private static String learnerWithWorkspace(String username) {
        String token = createUser(username);
        as(token).get("/api/v1/workspace/files").then().statusCode(200);
        return token;
    }

    private static Path userDir(String username) {
        return Path.of("target/test-data/users", username).toAbsolutePath();
    }

    /** An upload that declares its length and sends none of it: the answer must come before any byte is read. */
    private static String declareWithoutSending(String token, long length) throws IOException {
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("PUT /api/v1/workspace HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: " + ZIP + "\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            java.io.BufferedReader answer = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder head = new StringBuilder();
            int bodyLength = 0;
            for (String line = answer.readLine(); line != null && !line.isEmpty(); line = answer.readLine()) {
                head.append(line).append('\n');
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    bodyLength = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            char[] body = new char[bodyLength];
            int read = 0;
            while (read < bodyLength) {
                read += answer.read(body, read, bodyLength - read);
            }
            return head + "\n" + new String(body);
        }
    }

    /** Sets the uncompressed size of the zip's first central directory entry to {@code size}. */
    private static byte[] understateFirstEntry(byte[] zip, int size) {
        ByteBuffer buffer = ByteBuffer.wrap(zip.clone()).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < zip.length - 4; at++) {
            if (buffer.getInt(at) == 0x02014b50) {
                buffer.putInt(at + 24, size);
                return buffer.array();
            }
        }
        throw new IllegalStateException("no central directory");
    }

    private static byte[] flipByteAt(byte[] bytes, int at) {
        byte[] copy = bytes.clone();
        copy[at] ^= 0x5A;
        return copy;
    }

    private static byte[] gzip(byte[] content) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(bytes)) {
            out.write(content);
        }
        return bytes.toByteArray();
    }
}
