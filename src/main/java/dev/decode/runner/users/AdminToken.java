package dev.decode.runner.users;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.decode.runner.platform.PlatformConfig;
import io.quarkus.runtime.StartupEvent;

/**
 * The admin token: {@code RUNNER_ADMIN_TOKEN} when set, else the one in {@code <data dir>/admin-token}, created with
 * mode 0600 on first start. Only its hash stays in memory, and the log names the file, never the token.
 */
@ApplicationScoped
public class AdminToken {

    private static final Logger LOG = Logger.getLogger(AdminToken.class);

    private final PlatformConfig config;
    private final Tokens tokens;
    private volatile byte[] hash;

    AdminToken(PlatformConfig config, Tokens tokens) {
        this.config = config;
        this.tokens = tokens;
    }

    void onStart(@Observes StartupEvent event) {
        hash();
    }

    boolean matches(byte[] tokenHash) {
        return Tokens.sameHash(hash(), tokenHash);
    }

    private byte[] hash() {
        byte[] known = hash;
        if (known == null) {
            known = Tokens.hash(config.adminToken().filter(token -> !token.isBlank()).orElseGet(this::fromFile));
            hash = known;
        }
        return known;
    }

    private String fromFile() {
        Path file = config.dataDir().toAbsolutePath().normalize().resolve("admin-token");
        try {
            Files.createDirectories(file.getParent());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(Set.of(
                        java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE)));
                Files.writeString(file, tokens.generate() + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
                LOG.infof("Generated an admin token into %s (RUNNER_ADMIN_TOKEN is unset)", file);
            } catch (FileAlreadyExistsException e) {
                LOG.infof("Using the admin token in %s (RUNNER_ADMIN_TOKEN is unset)", file);
            }
            String token = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (token.isEmpty()) {
                throw new IllegalStateException("The admin token file " + file + " is empty; delete it to generate a new token");
            }
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read or create the admin token file " + file, e);
        }
    }
}
