package dev.decode.runner.workspace;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import dev.decode.runner.platform.StripedMonitors;
import dev.decode.runner.platform.UserDirectories;
import dev.decode.runner.platform.errors.ProblemException;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Each learner's dbt project below {@code users/<username>/workspace/}. A new learner starts with the starter
 * template. Every method blocks (files): call it on a worker. Writes of one user are serialized, so that two uploads
 * at once cannot both slip under the quota; a whole archive ({@link WorkspaceArchives}) replaces the folder at once.
 */
@ApplicationScoped
public class Workspaces {

    private final UserDirectories users;
    private final WorkspaceConfig config;
    private final Templates templates;
    private final DbtPackages packages;
    private final Clock clock;
    private final StripedMonitors userLocks = new StripedMonitors(64);

    Workspaces(UserDirectories users, WorkspaceConfig config, Templates templates, DbtPackages packages, Clock clock) {
        this.users = users;
        this.config = config;
        this.templates = templates;
        this.packages = packages;
        this.clock = clock;
    }

    @RegisterForReflection
    public record FileEntry(String path, long size, Instant modifiedAt) {
    }

    @RegisterForReflection
    public record FileList(List<FileEntry> files, long totalBytes) {
    }

    public record Written(String path, long size, boolean created) {
    }

    /** The project directory, created from the starter template on first use; marks the workspace as used. */
    public Path root(String username) {
        Path root = users.of(username).resolve("workspace");
        synchronized (lockOf(username)) {
            if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                templates.copy(Templates.STARTER, root);
            }
            touch(root);
        }
        return root;
    }

    public FileList list(String username) {
        Path root = root(username);
        List<FileEntry> files = regularFiles(root).map(file -> entry(root, file)).sorted(Comparator.comparing(FileEntry::path)).toList();
        return new FileList(files, files.stream().mapToLong(FileEntry::size).sum());
    }

    public byte[] read(String username, WorkspacePath path) {
        Path root = root(username);
        Path file = resolve(root, path);
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw noSuchFile(root, path);
        } catch (IOException e) {
            if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                throw noSuchFile(root, path);
            }
            throw new UncheckedIOException(e);
        }
    }

    public Written write(String username, WorkspacePath path, byte[] content) {
        if (content.length > config.maxFileSize().asLongValue()) {
            throw WorkspaceProblems.quotaExceeded("A file may hold at most " + config.maxFileSize().asLongValue() + " bytes.");
        }
        Path root = root(username);
        synchronized (lockOf(username)) {
            WorkspacePath.problemWith(path.value(), folders(root)).ifPresent(problem -> {
                throw WorkspaceProblems.invalidPath(problem);
            });
            Path file = resolve(root, path);
            if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                throw WorkspaceProblems.invalidPath("'" + path.value() + "' is a folder.");
            }
            boolean exists = Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
            checkQuota(root, file, exists, content.length);
            if (file.getFileName().toString().equals(ProjectPaths.FILE)) {
                ProjectPaths.check(root, file.getParent(), content).ifPresent(violation -> {
                    throw ProblemException.invalidRequest(violation.detail());
                });
            }
            if (file.getParent().equals(root) && PackageRequests.FILES.contains(path.value())) {
                packages.check(root, path.value(), content);
            }
            try {
                Files.createDirectories(file.getParent());
                try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                    out.write(content);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Written(path.value(), content.length, !exists);
        }
    }

    public void delete(String username, WorkspacePath path) {
        Path root = root(username);
        synchronized (lockOf(username)) {
            Path file = resolve(root, path);
            try {
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !Files.deleteIfExists(file)) {
                    throw noSuchFile(root, path);
                }
                removeEmptyParents(root, file.getParent());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public FileList reset(String username, String template) {
        Path root = users.of(username).resolve("workspace");
        synchronized (lockOf(username)) {
            UserDirectories.deleteTree(root);
            templates.copy(template, root);
        }
        return list(username);
    }

    /** {@code work} on the user's workspace folder, while none of their writes, resets or job starts runs. */
    <T> T locked(String username, Function<Path, T> work) {
        Path root = root(username);
        synchronized (lockOf(username)) {
            return work.apply(root);
        }
    }

    /**
     * Blocking: why dbt must not run on the workspace as it is on disk, or empty. Checked right before each job, since
     * files can reach the disk other than through {@link #write}: every project file's path settings must stay inside
     * the workspace, and nothing in it may be a link that leads out, but those {@code dbt deps} made to offered packages.
     */
    public Optional<String> escapeFromWorkspace(String username) {
        Path root = root(username);
        synchronized (lockOf(username)) {
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path entry : (Iterable<Path>) walk::iterator) {
                    if (!ProjectPaths.insideWorkspace(root, entry) && !packages.isInstalledPackage(entry)) {
                        return Optional.of("'" + root.relativize(entry) + "' is a link that leads outside your workspace.");
                    }
                    if (entry.getFileName().toString().equals(ProjectPaths.FILE) && Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                        Optional<ProjectPaths.Violation> violation = ProjectPaths.check(root, entry.getParent(), Files.readAllBytes(entry));
                        if (violation.isPresent()) {
                            return Optional.of(violation.get().detail());
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Optional.empty();
    }

    /**
     * Blocking: the CSV files that dbt loads as the seeds of the workspace's project, as absolute paths below the
     * workspace's real path, the working directory dbt sees. Links are not followed, and a seed folder that does not
     * lie inside the workspace adds nothing.
     */
    public List<String> seedFiles(String username) {
        Path root = root(username);
        synchronized (lockOf(username)) {
            try {
                Path real = root.toRealPath();
                List<String> files = new ArrayList<>();
                for (String folder : folders(root).seeds()) {
                    Path dir = root.resolve(folder).normalize();
                    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || !ProjectPaths.insideWorkspace(root, dir)) {
                        continue;
                    }
                    regularFiles(dir).filter(file -> file.getFileName().toString().endsWith(".csv"))
                            .map(file -> real.resolve(root.relativize(file)).toString()).forEach(files::add);
                }
                return files.stream().distinct().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * The folders of the project as stored. Read on every write, so that files in the folders of a
     * {@code dbt_project.yml} just uploaded are accepted at once; the standard folders when there is none.
     */
    private static ProjectFolders folders(Path root) {
        Path project = root.resolve(ProjectPaths.FILE);
        if (!Files.isRegularFile(project, LinkOption.NOFOLLOW_LINKS)) {
            return ProjectFolders.STANDARD;
        }
        try {
            return ProjectFolders.of(Files.readAllBytes(project));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The file for {@code path} below {@code root}, refused when anything on the way is a symbolic link or the
     * normalised result lies outside the workspace.
     */
    static Path resolve(Path root, WorkspacePath path) {
        Path current = root;
        for (String segment : path.segments()) {
            current = current.resolve(segment);
            if (Files.isSymbolicLink(current)) {
                throw WorkspaceProblems.invalidPath("'" + path.value() + "' passes through a link.");
            }
        }
        Path file = current.normalize();
        if (!file.startsWith(root) || file.equals(root)) {
            throw WorkspaceProblems.invalidPath("'" + path.value() + "' is outside the workspace.");
        }
        return file;
    }

    private void checkQuota(Path root, Path file, boolean exists, long newSize) {
        long[] countAndBytes = {0, 0};
        regularFiles(root).filter(other -> !other.equals(file)).forEach(other -> {
            countAndBytes[0]++;
            countAndBytes[1] += size(other);
        });
        if (countAndBytes[0] + 1 > config.maxFiles()) {
            throw WorkspaceProblems.quotaExceeded("A workspace may hold at most " + config.maxFiles() + " files.");
        }
        if (countAndBytes[1] + newSize > config.maxTotalSize().asLongValue()) {
            throw WorkspaceProblems.quotaExceeded("A workspace may hold at most " + config.maxTotalSize().asLongValue() + " bytes.");
        }
    }

    private static Stream<Path> regularFiles(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(file -> Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileEntry entry(Path root, Path file) {
        try {
            return new FileEntry(root.relativize(file).toString().replace('\\', '/'), Files.size(file),
                    Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void removeEmptyParents(Path root, Path dir) throws IOException {
        Path current = dir;
        while (!current.equals(root) && current.startsWith(root)) {
            try (Stream<Path> children = Files.list(current)) {
                if (children.findAny().isPresent()) {
                    return;
                }
            }
            Files.delete(current);
            current = current.getParent();
        }
    }

    /** The cleanup reads the workspace folder's modification time as "last used". */
    private void touch(Path root) {
        try {
            Files.setLastModifiedTime(root, FileTime.from(clock.instant()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Object lockOf(String username) {
        return userLocks.of(username);
    }

    /**
     * A file a learner wrote into a folder that the project no longer names can still be read and deleted; a path where
     * no file may be, and where none lies, is refused as the contract says.
     */
    private static ProblemException noSuchFile(Path root, WorkspacePath path) {
        Optional<String> problem = WorkspacePath.problemWith(path.value(), folders(root));
        if (problem.isPresent()) {
            return WorkspaceProblems.invalidPath(problem.get());
        }
        return ProblemException.notFound("There is no file '" + path.value() + "' in your workspace.");
    }
}
