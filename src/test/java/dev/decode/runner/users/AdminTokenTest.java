package dev.decode.runner.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.decode.runner.platform.PlatformConfig;
import io.quarkus.runtime.configuration.MemorySize;

class AdminTokenTest {

    @TempDir
    Path dataDir;

    @Test
    void aGeneratedTokenIsWrittenOwnerOnlyAndReusedOnTheNextStart() throws Exception {
        AdminToken first = new AdminToken(config(Optional.empty()), new Tokens());
        first.onStart(null);

        Path file = dataDir.resolve("admin-token");
        assertThat(Files.getPosixFilePermissions(file))
                .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        String token = Files.readString(file).trim();
        assertThat(token).startsWith("drt_").hasSize(47);
        assertThat(first.matches(Tokens.hash(token))).isTrue();

        AdminToken second = new AdminToken(config(Optional.empty()), new Tokens());
        assertThat(second.matches(Tokens.hash(token))).isTrue();
        assertThat(second.matches(Tokens.hash(token + "x"))).isFalse();
    }

    @Test
    void anExplicitTokenWinsAndNoFileIsWritten() {
        AdminToken admin = new AdminToken(config(Optional.of("from-the-environment")), new Tokens());
        admin.onStart(null);

        assertThat(admin.matches(Tokens.hash("from-the-environment"))).isTrue();
        assertThat(dataDir.resolve("admin-token")).doesNotExist();
    }

    private PlatformConfig config(Optional<String> adminToken) {
        return new PlatformConfig() {
            @Override
            public Path dataDir() {
                return dataDir;
            }

            @Override
            public int port() {
                return 8080;
            }

            @Override
            public MemorySize maxBodySize() {
                return new MemorySize(BigInteger.valueOf(2 * 1024 * 1024));
            }

            @Override
            public Optional<String> adminToken() {
                return adminToken;
            }

            @Override
            public Optional<String> databaseUrl() {
                return Optional.empty();
            }

            @Override
            public Database database() {
                return new Database() {
                    @Override
                    public Duration connectTimeout() {
                        return Duration.ofSeconds(10);
                    }

                    @Override
                    public Duration statementTimeout() {
                        return Duration.ofSeconds(30);
                    }

                    @Override
                    public Duration idleTimeout() {
                        return Duration.ofMinutes(10);
                    }
                };
            }
        };
    }
}
