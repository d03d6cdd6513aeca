package dev.decode.runner.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.decode.runner.support.DbtEnvironment;

/** The budget and the use, from cgroup v2 and /proc layouts laid out in a folder, and from the real ones. */
class MemoryGaugeTest {

    private static final long MIB = 1L << 20;
    private static final long SERVICE = 100;
    private static final long CONFIGURED = 512 * MIB;

    @TempDir
    Path root;

    @Test
    void underItsOwnCgroupsLimitTheBudgetIsTheLimitAndTheUseWhatTheKernelCannotReclaim() throws IOException {
        ownCgroup("/system.slice/runner.service");
        Path group = cgroup("system.slice/runner.service", "268435456", "150000000");
        write(group.resolve("memory.stat"), "anon 90000000\nfile 60000000\ninactive_file 50000000\nactive_file 10000000\n");

        MemoryGauge.Reading reading = gauge().read(List.of());

        assertThat(reading.budget()).isEqualTo(268_435_456L);
        assertThat(reading.used()).isEqualTo(100_000_000L);
        assertThat(reading.headroom()).isEqualTo(168_435_456L);
    }

    @Test
    void aLimitOnAnAncestorCountsWhenTheOwnGroupSaysMax() throws IOException {
        ownCgroup("/app.slice/runner");
        cgroup("app.slice/runner", "max", "90000000");
        cgroup("app.slice", "314572800", "200000000");

        MemoryGauge.Reading reading = gauge().read(List.of());

        assertThat(reading.budget()).isEqualTo(300 * MIB);
        assertThat(reading.used()).as("the limiting group's use: all it holds counts against its limit").isEqualTo(200_000_000L);
    }

    @Test
    void aConfiguredBudgetBelowTheLimitIsTheBudget() throws IOException {
        ownCgroup("/");
        cgroup("", "1073741824", "300000000");

        MemoryGauge.Reading reading = gauge().read(List.of());

        assertThat(reading.budget()).isEqualTo(CONFIGURED);
        assertThat(reading.used()).isEqualTo(300_000_000L);
    }

    @Test
    void withoutALimitTheUseIsThePssOfTheServiceAndItsDescendants() throws IOException {
        write(proc(SERVICE).resolve("cgroup"), "12:memory:/runner\n0::/\n");
        cgroup("", "max", "999999999");
        process(SERVICE, 1, 300_000);
        process(200, SERVICE, 100_000);
        process(300, 200, 50_000);
        process(400, 1, 999);
        Files.createDirectories(proc(500));
        write(proc(500).resolve("stat"), "500 (gone) Z " + SERVICE + " 500 0");

        MemoryGauge.Reading reading = gauge().read(List.of(200L, 600L));

        assertThat(reading.budget()).isEqualTo(CONFIGURED);
        assertThat(reading.used()).isEqualTo(450_000 * 1024L);
        assertThat(reading.treeOf(200)).as("a job's process and its child, their private memory").isEqualTo(75_000 * 1024L);
        assertThat(reading.treeOf(600)).as("gone").isZero();
    }

    @Test
    void theRealProcFilesShowAChildsMemoryInItsTreeAndInTheUse() throws Exception {
        MemoryGauge gauge = new MemoryGauge(Path.of("/proc"), Path.of("/sys/fs/cgroup"), ProcessHandle.current().pid(), 64L << 30);
        Process child = new ProcessBuilder(DbtEnvironment.python().toString(), "-c",
                "import sys\ndata = b'x' * (64 << 20)\nprint('ready', flush=True)\nsys.stdin.read()").start();
        try (BufferedReader out = child.inputReader(StandardCharsets.UTF_8)) {
            assertThat(out.readLine()).isEqualTo("ready");

            MemoryGauge.Reading reading = gauge.read(List.of(child.pid()));

            assertThat(reading.treeOf(child.pid())).isGreaterThanOrEqualTo(64 * MIB);
            assertThat(reading.used()).as("the service's use includes its child").isGreaterThan(reading.treeOf(child.pid()));
            assertThat(reading.budget()).isPositive().isLessThanOrEqualTo(64L << 30);
        } finally {
            child.getOutputStream().close();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(gauge.read(List.of(child.pid())).treeOf(child.pid())).as("gone").isZero();
    }

    private MemoryGauge gauge() {
        return new MemoryGauge(root.resolve("proc"), root.resolve("cgroup"), SERVICE, CONFIGURED);
    }

    private void ownCgroup(String path) throws IOException {
        write(proc(SERVICE).resolve("cgroup"), "0::" + path + "\n");
        process(SERVICE, 1, 1);
    }

    private Path cgroup(String path, String max, String current) throws IOException {
        Path group = root.resolve("cgroup").resolve(path);
        write(group.resolve("memory.max"), max + "\n");
        write(group.resolve("memory.current"), current + "\n");
        return group;
    }

    private void process(long pid, long parent, long pssKilobytes) throws IOException {
        write(proc(pid).resolve("stat"), pid + " (dbt (worker)) S " + parent + " " + pid + " 0 -1 4194304");
        write(proc(pid).resolve("smaps_rollup"), "5627c3ff9000-7ffd5f81d000 ---p 00000000 00:00 0    [rollup]\n"
                + "Rss:              " + (pssKilobytes * 2) + " kB\nPss:              " + pssKilobytes + " kB\n"
                + "Pss_Anon:           1 kB\nShared_Clean:     " + pssKilobytes + " kB\nPrivate_Clean:      " + pssKilobytes / 4
                + " kB\nPrivate_Dirty:      " + pssKilobytes / 4 + " kB\n");
    }

    private Path proc(long pid) {
        return root.resolve("proc").resolve(Long.toString(pid));
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
