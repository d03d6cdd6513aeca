package dev.decode.runner.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Where each learner's files live: {@code <data dir>/users/<username>/}. Every capability keeps its per-user files
 * (workspace, DuckDB database, job logs) below it, so deleting a user removes all of them at once.
 */
@ApplicationScoped
public class UserDirectories {

    private final Path usersRoot;

    UserDirectories(PlatformConfig config) {
        this.usersRoot = config.dataDir().toAbsolutePath().normalize().resolve("users");
    }

    /** The username must already be valid (the users package checks the pattern); this is a second line of defence. */
    public Path of(String username) {
        Path dir = usersRoot.resolve(username).normalize();
        if (!dir.getParent().equals(usersRoot)) {
            throw new IllegalArgumentException("username must be a single path segment, got '" + username + "'");
        }
        return dir;
    }

    public Path usersRoot() {
        return usersRoot;
    }

    /** Blocking: deletes the user's whole directory; returns the bytes freed. */
    public long delete(String username) {
        return deleteTree(of(username));
    }

    /** Blocking: deletes a tree without following symbolic links out of it; returns the bytes freed. */
    public static long deleteTree(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        long[] freed = {0};
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    freed[0] += attrs.isRegularFile() ? attrs.size() : 0;
                    deleteIfPresent(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null && !(e instanceof NoSuchFileException)) {
                        throw e;
                    }
                    deleteIfPresent(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + root, e);
        }
        return freed[0];
    }

    private static void deleteIfPresent(Path path) throws IOException {
        Files.deleteIfExists(path);
    }
}
