package dev.decode.runner.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Signals and inspects a dbt job's process group through {@code /bin/kill} and {@code /proc} (Java can signal a
 * process, not a group). Never signals group 0 or 1 or the service's own group.
 */
final class ProcessGroups {

    private static final Path PROC = Path.of("/proc");

    private ProcessGroups() {
    }

    /** Blocking: sends {@code signal} (INT, KILL) to every process of the group. */
    static void signal(long pgid, String signal) {
        if (pgid <= 1 || pgid == groupOf(ProcessHandle.current().pid())) {
            throw new IllegalArgumentException("refusing to signal process group " + pgid);
        }
        try {
            Process kill = new ProcessBuilder("/bin/kill", "-s", signal, "--", "-" + pgid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not run /bin/kill", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The live (not zombie) processes of the group. */
    static List<Long> members(long pgid) {
        List<Long> members = new ArrayList<>();
        stats(PROC).forEach((pid, stat) -> {
            if (!"Z".equals(stat[0]) && Long.parseLong(stat[2]) == pgid) {
                members.add(pid);
            }
        });
        return members;
    }

    /** Every process under {@code proc} (the real one is /proc) with the fields of its stat, by pid. */
    static Map<Long, String[]> stats(Path proc) {
        Map<Long, String[]> stats = new HashMap<>();
        try (Stream<Path> entries = Files.list(proc)) {
            entries.map(path -> path.getFileName().toString()).filter(name -> name.chars().allMatch(Character::isDigit))
                    .forEach(name -> {
                        long pid = Long.parseLong(name);
                        String[] stat = stat(proc, pid);
                        if (stat != null) {
                            stats.put(pid, stat);
                        }
                    });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not list " + proc, e);
        }
        return stats;
    }

    /** The process group of {@code pid}; -1 when it is gone. */
    static long groupOf(long pid) {
        String[] stat = stat(PROC, pid);
        return stat == null ? -1 : Long.parseLong(stat[2]);
    }

    /** Whether the group's leader still runs and its command line names {@code marker} (a job id). */
    static boolean leaderMentions(long pgid, String marker) {
        try {
            byte[] cmdline = Files.readAllBytes(PROC.resolve(Long.toString(pgid)).resolve("cmdline"));
            return new String(cmdline, StandardCharsets.UTF_8).contains(marker);
        } catch (IOException e) {
            return false;
        }
    }

    /** Blocking: SIGKILL to the group until none of it is left, for at most {@code waitMillis}; true when none is. */
    static boolean killAll(long pgid, long waitMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (!members(pgid).isEmpty()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            signal(pgid, "KILL");
            Thread.sleep(20);
        }
        return true;
    }

    /** Fields after the command name of /proc/<pid>/stat: state, ppid, pgrp, ...; null when the process is gone. */
    private static String[] stat(Path proc, long pid) {
        try {
            String stat = Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
