package dev.decode.runner.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a learner's jobs leave on disk stays within a count and a size; the oldest go first. */
class JobDirectoriesTest {

    @TempDir
    Path jobs;

    @Test
    void beyondTheCountTheOldestGoButAnActiveJobsDirectoryStays() throws IOException {
        for (int age = 0; age < 25; age++) {
            job("job-" + age, age, 100);
        }
        Files.writeString(jobs.resolve("partial_parse.msgpack"), "parse state");

        JobDirectories.Pruned pruned = JobDirectories.prune(jobs, 20, Long.MAX_VALUE, Set.of("job-24"));

        assertThat(pruned.deleted()).isEqualTo(4);
        assertThat(pruned.bytesFreed()).isEqualTo(400);
        assertThat(remaining()).hasSize(22).contains("job-0", "job-19", "job-24", "partial_parse.msgpack")
                .doesNotContain("job-20", "job-21", "job-22", "job-23");
    }

    @Test
    void beyondTheSizeTheOldestGoButTheNewestAlwaysStays() throws IOException {
        for (int age = 0; age < 5; age++) {
            job("job-" + age, age, 1_000);
        }
        assertThat(JobDirectories.prune(jobs, 20, 2_500, Set.of()).deleted()).isEqualTo(3);
        assertThat(remaining()).containsExactlyInAnyOrder("job-0", "job-1");

        job("huge", -1, 10_000);
        JobDirectories.prune(jobs, 20, 2_500, Set.of());
        assertThat(remaining()).containsExactly("huge");
    }

    /** A job directory with a log of {@code bytes}, last written {@code age} minutes ago. */
    private void job(String id, int age, int bytes) throws IOException {
        Path dir = Files.createDirectories(jobs.resolve(id).resolve("target"));
        Path log = Files.write(dir.resolveSibling("log.jsonl"), new byte[bytes]);
        FileTime time = FileTime.from(Instant.now().minusSeconds(60L * age));
        for (Path path : List.of(log, dir, dir.getParent())) {
            Files.setLastModifiedTime(path, time);
        }
    }

    private List<String> remaining() throws IOException {
        try (Stream<Path> entries = Files.list(jobs)) {
            return entries.map(path -> path.getFileName().toString()).toList();
        }
    }
}
