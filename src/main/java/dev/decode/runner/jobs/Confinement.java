package dev.decode.runner.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.decode.runner.platform.BlockingWork;
import dev.decode.runner.platform.PlatformConfig;
import dev.decode.runner.platform.UserDirectories;
import dev.decode.runner.warehouse.WarehouseFiles;
import dev.decode.runner.workspace.DbtPackages;
import io.quarkus.runtime.StartupEvent;

/**
 * Keeps each dbt process out of every directory but its own user's, with Landlock (Linux 5.13+, no privilege
 * needed, so it works for the unprivileged uid the containers run as): {@code dbt/confine.py}, run by the Python of
 * dbt's own environment, restricts itself and then execs dbt. It reads the system and Python, writes its user's
 * directory, reads {@code learn} and the offered dbt packages (which dbt deps links into a workspace: read, never
 * written), and nothing else of the data directory (other learners, the admin token). Where
 * the kernel or a seccomp filter does not offer Landlock, dbt runs unconfined; the start-up log says which.
 */
@ApplicationScoped
class Confinement {

    private static final Logger LOG = Logger.getLogger(Confinement.class);

    private final PlatformConfig platform;
    private final UserDirectories users;
    private final WarehouseFiles warehouse;
    private final DbtPackages packages;
    private final String script;

    Confinement(PlatformConfig platform, UserDirectories users, WarehouseFiles warehouse, DbtPackages packages) {
        this.platform = platform;
        this.users = users;
        this.warehouse = warehouse;
        this.packages = packages;
        this.script = DbtResources.text("confine.py");
    }

    /** The command that runs {@code command} confined to {@code username}'s directory. */
    List<String> wrap(Path dbt, String username, List<String> command) {
        List<String> argv = new ArrayList<>(List.of(python(dbt).toString(), "-I", "-S", "-c", script));
        rules(dbt, username).forEach((flag, values) -> values.forEach(value -> argv.addAll(List.of(flag, value))));
        argv.add("--");
        argv.addAll(command);
        return argv;
    }

    /** What confine.py lets a dbt process of {@code username} reach, as its options: flag to values. */
    Map<String, List<String>> rules(Path dbt, String username) {
        Map<String, List<String>> rules = new LinkedHashMap<>();
        rules.put("--protect", List.of(platform.dataDir().toAbsolutePath().normalize().toString()));
        rules.put("--write", List.of(users.of(username).toString()));
        List<String> read = new ArrayList<>(List.of(dbt.getParent().getParent().toString(), realPath(dbt).getParent().getParent().toString()));
        packages.directory().ifPresent(dir -> read.add(dir.toString()));
        rules.put("--read", read);
        if (warehouse.learnCatalog() != null) {
            rules.put("--read-file", List.of(warehouse.learnCatalog().toString()));
        }
        return rules;
    }

    /** The probe starts a Python process, so it runs beside the start-up rather than in it. */
    void logAtStart(@Observes StartupEvent event, DbtLauncher launcher) {
        Optional<Path> dbt = launcher.executable();
        if (dbt.isEmpty()) {
            return;
        }
        BlockingWork.run(() -> {
            int abi = landlockAbi(dbt.get());
            if (abi > 0) {
                LOG.infof("dbt jobs confined to their user's directory confinement=landlock abi=%d", abi);
            } else {
                LOG.warnf("Landlock is not available: dbt jobs rely on the project path checks alone confinement=none");
            }
        }).subscribe().with(done -> { }, failure -> LOG.warnf("Could not probe for Landlock reason=%s", failure.toString()));
    }

    /** Blocking: the Landlock ABI version this machine offers dbt's Python, 0 when none. */
    int landlockAbi(Path dbt) {
        try {
            Process probe = new ProcessBuilder(python(dbt).toString(), "-I", "-S", "-c", script, "--probe")
                    .redirectErrorStream(true).start();
            String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0 ? Integer.parseInt(out) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** dbt's environment, where a link (such as one on PATH) leads. */
    private static Path realPath(Path dbt) {
        try {
            return dbt.toRealPath();
        } catch (IOException e) {
            return dbt;
        }
    }

    /** The Python of dbt's own virtual environment, which every dbt installation has beside its script. */
    static Path python(Path dbt) {
        Path python = dbt.getParent().resolve("python");
        return Files.isExecutable(python) ? python : dbt.getParent().resolve("python3");
    }
}
