package dev.decode.runner.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.decode.runner.support.Api;
import dev.decode.runner.support.PackagedApp;

/** The packaged service, started twice on one database and data directory, keeps what it stored. */
class RestartIT {

    private static final Pattern TOKEN = Pattern.compile("\"token\":\"([^\"]+)\"");

    @TempDir
    Path dataDir;

    @Test
    void usersAndTheGeneratedAdminTokenSurviveARestartAndMigrationsRunAgainHarmlessly() throws Exception {
        Map<String, String> env = Map.of("RUNNER_DATA_DIR", dataDir.toString());
        String username = Api.uniqueUsername("survivor");
        String adminToken;
        String userToken;
        String firstLog;

        try (PackagedApp app = PackagedApp.start(dataDir, env)) {
            adminToken = Files.readString(dataDir.resolve("admin-token")).trim();
            HttpResponse<String> created = app.postJson("/api/v1/users", "{\"username\":\"" + username + "\"}", adminToken);
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            Matcher token = TOKEN.matcher(created.body());
            assertThat(token.find()).isTrue();
            userToken = token.group(1);
            app.stop();
            firstLog = app.log();
        }

        try (PackagedApp app = PackagedApp.start(dataDir, env)) {
            assertThat(Files.readString(dataDir.resolve("admin-token")).trim()).isEqualTo(adminToken);
            HttpResponse<String> me = app.get("/api/v1/me", userToken);
            assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
            assertThat(me.body()).contains("\"username\":\"" + username + "\"");
            HttpResponse<String> taken = app.postJson("/api/v1/users", "{\"username\":\"" + username + "\"}", adminToken);
            assertThat(taken.statusCode()).isEqualTo(409);
            app.stop();

            String logs = firstLog + app.log();
            assertThat(logs).contains(dataDir.resolve("admin-token").toString());
            assertThat(logs).doesNotContain(adminToken).doesNotContain(userToken);
            assertThat(logs).doesNotContain("password=decode_runner").doesNotContain(":decode_runner@");
        }
    }
}
