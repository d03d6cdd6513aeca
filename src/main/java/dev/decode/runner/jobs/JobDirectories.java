package dev.decode.runner.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import dev.decode.runner.platform.UserDirectories;

/**
 * Bounds what one learner's jobs leave on disk: the newest {@code keep} job directories (log, profile, artifacts) stay
 * as long as together they fit in {@code maxBytes}; the oldest go first. A queued or running job's directory always
 * stays, and so does the newest finished one, however large, so that the job just run can be read. Job records in PostgreSQL are not touched: a pruned job still lists, with an empty log and no artifacts.
 */
final class JobDirectories {

    private static final Logger LOG = Logger.getLogger(JobDirectories.class);

    record Pruned(int deleted, long bytesFreed) {
    }

    private record JobDirectory(Path path, Instant lastWritten, long bytes) {
    }

    private JobDirectories() {
    }

    /** Blocking: prunes {@code jobsDir} (a learner's {@code jobs/}), sparing the ids in {@code active}. */
    static Pruned prune(Path jobsDir, int keep, long maxBytes, Set<String> active) {
        List<JobDirectory> newestFirst = directories(jobsDir).stream()
                .sorted(Comparator.comparing(JobDirectory::lastWritten).reversed()).toList();
        int kept = 0;
        long keptBytes = newestFirst.stream().filter(dir -> active.contains(name(dir))).mapToLong(JobDirectory::bytes).sum();
        int deleted = 0;
        long freed = 0;
        boolean newestFinished = true;
        for (JobDirectory dir : newestFirst) {
            if (active.contains(name(dir))) {
                kept++;
            } else if (newestFinished || kept < keep && keptBytes + dir.bytes() <= maxBytes) {
                newestFinished = false;
                kept++;
                keptBytes += dir.bytes();
            } else {
                freed += UserDirectories.deleteTree(dir.path());
                deleted++;
            }
        }
        if (deleted > 0) {
            LOG.infof("Pruned job directories username=%s deleted=%d bytesFreed=%d", jobsDir.getParent().getFileName(), deleted, freed);
        }
        return new Pruned(deleted, freed);
    }

    private static String name(JobDirectory dir) {
        return dir.path().getFileName().toString();
    }

    private static List<JobDirectory> directories(Path jobsDir) {
        if (!Files.isDirectory(jobsDir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(jobsDir)) {
            return entries.filter(dir -> Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)).map(JobDirectories::measure).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The newest write below the directory is when its job was last busy; its size counts every file. */
    private static JobDirectory measure(Path dir) {
        long[] bytes = {0};
        Instant[] newest = {Instant.EPOCH};
        try (Stream<Path> files = Files.walk(dir)) {
            files.forEach(file -> {
                try {
                    var attributes = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    bytes[0] += attributes.isRegularFile() ? attributes.size() : 0;
                    Instant modified = attributes.lastModifiedTime().toInstant();
                    newest[0] = modified.isAfter(newest[0]) ? modified : newest[0];
                } catch (IOException e) {
                    // removed while we looked: it counts as nothing
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return new JobDirectory(dir, Instant.EPOCH, 0);
        }
        return new JobDirectory(dir, newest[0], bytes[0]);
    }
}
