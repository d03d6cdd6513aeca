package dev.decode.runner.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * What the service's process tree may use and uses now, read from cgroup v2 and /proc. Under a cgroup memory limit
 * (its own cgroup's {@code memory.max} or an ancestor's, the tightest; "max" sets none) the budget is that limit or
 * the configured one when lower, and the use is that cgroup's {@code memory.current} less its {@code inactive_file}
 * (page cache the kernel reclaims before it would run out). Without one the budget is the configured one and the use
 * the PSS of the service and its descendants, from each {@code /proc/<pid>/smaps_rollup}. A job's figure is the private
 * memory (USS) of its process tree: what it adds, since the pages it still shares (with the warm runtime it was forked
 * from, or libraries other processes map) cost nothing more; its PSS would count a share of them, more the fewer
 * processes map them. Descendants are found through
 * each process's parent in {@code /proc/<pid>/stat}: {@code /proc/<pid>/task/<tid>/children} is not offered by every
 * kernel. Blocking (file reads); thread-safe.
 */
final class MemoryGauge {

    /** The budget and the use at one moment, and the private memory of the process trees asked for, by their root's pid. */
    record Reading(long budget, long used, Map<Long, Long> trees) {

        long headroom() {
            return budget - used;
        }

        /** 0 when the tree was not asked for or is gone. */
        long treeOf(long root) {
            return trees.getOrDefault(root, 0L);
        }
    }

    private record Cgroup(Path dir, long limit) {
    }

    private final Path proc;
    private final Path cgroupRoot;
    private final long pid;
    private final long configuredBudget;

    /**
     * @param proc       where procfs is mounted (/proc)
     * @param cgroupRoot where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup)
     * @param pid        the service's process
     */
    MemoryGauge(Path proc, Path cgroupRoot, long pid, long configuredBudget) {
        this.proc = proc;
        this.cgroupRoot = cgroupRoot;
        this.pid = pid;
        this.configuredBudget = configuredBudget;
    }

    /** Blocking: the budget, the use now and the private memory of the trees rooted at {@code roots}. */
    Reading read(Collection<Long> roots) {
        Map<Long, List<Long>> children = new HashMap<>();
        ProcessGroups.stats(proc).forEach((child, stat) ->
                children.computeIfAbsent(Long.parseLong(stat[1]), parent -> new ArrayList<>()).add(child));
        Map<Long, Usage> usage = new HashMap<>();
        Map<Long, Long> trees = new HashMap<>();
        roots.forEach(root -> trees.put(root, tree(root, children, usage, Usage::privateBytes)));
        Optional<Cgroup> limiting = limitingCgroup();
        if (limiting.isPresent()) {
            Cgroup cgroup = limiting.get();
            return new Reading(Math.min(cgroup.limit(), configuredBudget), cgroupUse(cgroup.dir()), trees);
        }
        return new Reading(configuredBudget, tree(pid, children, usage, Usage::pss), trees);
    }

    /** A process's proportional and private memory, in bytes. */
    private record Usage(long pss, long privateBytes) {
    }

    private long tree(long root, Map<Long, List<Long>> children, Map<Long, Usage> known, ToLongFunction<Usage> figure) {
        long total = 0;
        Deque<Long> pending = new ArrayDeque<>(List.of(root));
        while (!pending.isEmpty()) {
            long next = pending.pop();
            total += figure.applyAsLong(known.computeIfAbsent(next, this::usage));
            pending.addAll(children.getOrDefault(next, List.of()));
        }
        return total;
    }

    /** Zero for a process that is gone, a zombie, or one the service may not inspect. */
    private Usage usage(long process) {
        long pss = 0;
        long privateBytes = 0;
        try {
            for (String line : Files.readAllLines(proc.resolve(Long.toString(process)).resolve("smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    pss = kilobytes(line);
                } else if (line.startsWith("Private_Clean:") || line.startsWith("Private_Dirty:")) {
                    privateBytes += kilobytes(line);
                }
            }
        } catch (IOException e) {
            return new Usage(0, 0);
        }
        return new Usage(pss, privateBytes);
    }

    /** The service's cgroup or the ancestor whose memory.max is the lowest; empty when none sets one. */
    private Optional<Cgroup> limitingCgroup() {
        Optional<Cgroup> tightest = Optional.empty();
        for (Path dir = ownCgroup().orElse(null); dir != null && dir.startsWith(cgroupRoot); dir = dir.getParent()) {
            Optional<String> max = read(dir.resolve("memory.max"));
            if (max.isPresent() && !max.get().equals("max")) {
                long limit = Long.parseLong(max.get());
                if (tightest.isEmpty() || limit < tightest.get().limit()) {
                    tightest = Optional.of(new Cgroup(dir, limit));
                }
            }
        }
        return tightest;
    }

    /** The cgroup v2 entry ("0::/path") of /proc/<pid>/cgroup as a folder below the root; empty without one. */
    private Optional<Path> ownCgroup() {
        return read(proc.resolve(Long.toString(pid)).resolve("cgroup")).flatMap(text -> text.lines()
                .filter(line -> line.startsWith("0::")).findFirst()
                .map(line -> cgroupRoot.resolve(line.substring(3).replaceFirst("^/+", "")).normalize()));
    }

    private long cgroupUse(Path dir) {
        long current = Long.parseLong(read(dir.resolve("memory.current"))
                .orElseThrow(() -> new IllegalStateException(dir + " sets memory.max but has no memory.current")));
        long reclaimable = read(dir.resolve("memory.stat")).flatMap(stat -> stat.lines()
                .filter(line -> line.startsWith("inactive_file ")).findFirst()
                .map(line -> Long.parseLong(line.substring("inactive_file ".length()).trim()))).orElse(0L);
        return Math.max(0, current - reclaimable);
    }

    /** "Pss:    1234 kB" in bytes. */
    private static long kilobytes(String line) {
        String[] fields = line.trim().split("\\s+");
        return Long.parseLong(fields[1]) * 1024;
    }

    /** The file's text, trimmed; empty when it does not exist. */
    private static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file).trim());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
