package dev.decode.runner.workspace;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.decode.runner.platform.UserDirectories;
import dev.decode.runner.platform.errors.ProblemException;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A whole workspace in and out as one archive. An upload is kept in a file beside the workspace, read once to decide
 * everything ({@link ArchivePlan}), unpacked into a new folder beside the workspace and put in its place in one step:
 * a refused archive leaves the workspace as it was, and writes nothing of its content.
 * Every method blocks (files): call it on a worker.
 */
@ApplicationScoped
class WorkspaceArchives {

    private static final Logger LOG = Logger.getLogger(WorkspaceArchives.class);
    private static final String UPLOAD = "workspace-upload-";

    private final Workspaces workspaces;
    private final UserDirectories users;
    private final WorkspaceConfig config;
    private final DbtPackages packages;

    WorkspaceArchives(Workspaces workspaces, UserDirectories users, WorkspaceConfig config, DbtPackages packages) {
        this.workspaces = workspaces;
        this.users = users;
        this.config = config;
        this.packages = packages;
    }

    /** The workspace as {@code GET /api/v1/workspace/files} shows it, and the archive's files that did not go in. */
    @RegisterForReflection
    public record Replaced(List<Workspaces.FileEntry> files, long totalBytes, List<Skipped> skipped) {
    }

    /** A file of the archive that did not go into the workspace, named as in the archive, and why. */
    @RegisterForReflection
    public record Skipped(String path, String reason) {
    }

    /** Replaces the user's workspace with the archive's files; with {@code strict}, any skipped file refuses it all. */
    Replaced replace(String username, ArchiveFormat format, InputStream body, boolean strict) {
        Path userDir = users.of(username);
        Path upload = null;
        Path unpacked = null;
        try {
            Files.createDirectories(userDir);
            upload = Files.createTempFile(userDir, UPLOAD, ".archive");
            receive(body, upload);
            ArchivePlan plan;
            try (ArchiveReader reader = format.open(upload)) {
                plan = ArchivePlan.of(reader, config, workspaces.root(username), packages);
            }
            if (strict) {
                plan.refuseSkipped();
            }
            unpacked = Files.createTempDirectory(userDir, UPLOAD);
            unpack(format, upload, plan, unpacked);
            Workspaces.FileList files = putInPlace(username, unpacked);
            unpacked = null;
            LOG.infof("Workspace replaced from an archive username=%s files=%d skipped=%d", username, files.files().size(),
                    plan.skipped().size());
            return new Replaced(files.files(), files.totalBytes(), plan.skipped());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (upload != null) {
                UserDirectories.deleteTree(upload);
            }
            if (unpacked != null) {
                UserDirectories.deleteTree(unpacked);
            }
        }
    }

    /**
     * Puts {@code unpacked}, a complete project beside the workspace, in the workspace's place: two renames under the
     * user's lock, so that no write, reset or job start of theirs sees half of each. A running job is not held up, as
     * with single-file writes: dbt reads what it reads later from the new files; its database and logs live elsewhere.
     */
    private Workspaces.FileList putInPlace(String username, Path unpacked) {
        Path replaced = unpacked.resolveSibling(unpacked.getFileName() + "-replaced");
        workspaces.locked(username, root -> {
            try {
                Files.move(root, replaced, StandardCopyOption.ATOMIC_MOVE);
                try {
                    Files.move(unpacked, root, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    Files.move(replaced, root, StandardCopyOption.ATOMIC_MOVE);
                    throw e;
                }
                return root;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        UserDirectories.deleteTree(replaced);
        return workspaces.list(username);
    }

    /** The workspace's files as a zip, read while none of the user's writes or uploads can change them. */
    byte[] download(String username) {
        return workspaces.locked(username, root -> zip(root, workspaces.list(username).files()));
    }

    private void receive(InputStream body, Path upload) throws IOException {
        long limit = config.maxArchiveSize().asLongValue();
        long received = 0;
        byte[] buffer = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(upload, StandardOpenOption.WRITE)) {
            for (int n = readBody(body, buffer); n >= 0; n = readBody(body, buffer)) {
                received += n;
                if (received > limit) {
                    throw WorkspaceProblems.quotaExceeded("A workspace archive may hold at most " + limit + " bytes.");
                }
                out.write(buffer, 0, n);
            }
        }
    }

    /** The client went away, or the server refused a body over its limit and has answered already. */
    private static int readBody(InputStream body, byte[] buffer) {
        try {
            return body.read(buffer);
        } catch (IOException e) {
            throw ProblemException.invalidRequest("The request body could not be read to its end.");
        }
    }

    /** Blocking: the second reading, which writes what the plan accepted. */
    private static void unpack(ArchiveFormat format, Path upload, ArchivePlan plan, Path unpacked) throws IOException {
        try (ArchiveReader reader = format.open(upload)) {
            int index = 0;
            for (ArchiveEntry entry = reader.next(); entry != null; entry = reader.next(), index++) {
                String path = plan.destination(index);
                if (path == null) {
                    continue;
                }
                Path file = unpacked.resolve(path);
                Files.createDirectories(file.getParent());
                try (InputStream in = reader.content();
                        OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    in.transferTo(out);
                }
            }
        }
    }

    private static byte[] zip(Path root, List<Workspaces.FileEntry> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Workspaces.FileEntry file : files) {
                ZipEntry entry = new ZipEntry(file.path());
                entry.setLastModifiedTime(FileTime.from(file.modifiedAt()));
                zip.putNextEntry(entry);
                Files.copy(root.resolve(file.path()), zip);
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
