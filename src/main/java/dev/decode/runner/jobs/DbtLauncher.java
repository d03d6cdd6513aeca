package dev.decode.runner.jobs;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.decode.runner.platform.UserDirectories;
import dev.decode.runner.platform.errors.ProblemException;
import dev.decode.runner.warehouse.LearnCatalog;
import dev.decode.runner.warehouse.WarehouseConfig;
import dev.decode.runner.warehouse.WarehouseFiles;
import dev.decode.runner.workspace.DbtPackages;
import dev.decode.runner.workspace.Workspaces;

/**
 * Starts dbt for a job: forked from the warm runtime ({@link WarmRuntime}) when one is ready, else as a plain process
 * without a shell, where {@code setsid} gives it its own process group (whose id is the process id, as every program
 * in the chain execs the next), {@code env --default-signal=INT} undoes an ignored SIGINT inherited from whoever
 * started the service, so that cancel reaches dbt, and {@code prlimit} caps memory, processes, open files and CPU
 * time. Either way the same limits and confinement apply and the environment starts empty: no service secret reaches
 * dbt. The profile is generated per job.
 */
@ApplicationScoped
class DbtLauncher {

    static final String PROFILE = "decode";
    static final String TARGET = "local";
    private static final String PARTIAL_PARSE = "partial_parse.msgpack";
    /**
     * The dbt-duckdb plugin that opens the seed files to DuckDB and sets its memory limit: its module, the list and
     * the limit it reads are written to each job's python/ folder, which is on dbt's PYTHONPATH.
     */
    private static final String SEED_FILES_PLUGIN = "decode_seed_files";
    private static final String DEPS = "deps";
    /** dbt's hash of an empty package list: a lock file with it is current for a project that lists no packages. */
    private static final String SHA1_OF_NO_PACKAGES = "da39a3ee5e6b4b0d3255bfef95601890afd80709";

    private final JobsConfig config;
    private final UserDirectories users;
    private final WarehouseFiles warehouse;
    private final WarehouseConfig warehouseConfig;
    private final LearnCatalog learnCatalog;
    private final Workspaces workspaces;
    private final DbtPackages packages;
    private final Confinement confinement;
    private final WarmRuntime runtime;
    private final ObjectMapper json;
    private final String seedFilesPlugin = DbtResources.text(SEED_FILES_PLUGIN + ".py");

    DbtLauncher(JobsConfig config, UserDirectories users, WarehouseFiles warehouse, WarehouseConfig warehouseConfig,
            LearnCatalog learnCatalog, Workspaces workspaces, DbtPackages packages, Confinement confinement, WarmRuntime runtime, ObjectMapper json) {
        this.config = config;
        this.users = users;
        this.warehouse = warehouse;
        this.warehouseConfig = warehouseConfig;
        this.learnCatalog = learnCatalog;
        this.workspaces = workspaces;
        this.packages = packages;
        this.confinement = confinement;
        this.runtime = runtime;
        this.json = json;
    }

    /** Every job directory of the user, and the parse state carried from job to job. */
    Path jobsDir(String username) {
        return users.of(username).resolve("jobs");
    }

    Path jobDir(String username, String id) {
        return jobsDir(username).resolve(id);
    }

    Path logFile(String username, String id) {
        return jobDir(username, id).resolve("log.jsonl");
    }

    Path artifact(String username, String id, String name) {
        return jobDir(username, id).resolve("target").resolve(name);
    }

    /** The dbt executable, resolved on the service's PATH when configured as a bare name. */
    Optional<Path> executable() {
        String configured = config.dbtExecutable();
        if (configured.contains("/")) {
            return Optional.of(Path.of(configured).toAbsolutePath()).filter(Files::isExecutable);
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return java.util.Arrays.stream(path.split(File.pathSeparator)).map(dir -> Path.of(dir, configured))
                .filter(Files::isExecutable).findFirst();
    }

    /** What turns the server's absolute paths in the job's output and artifacts into the learner's own. */
    ServerPaths serverPaths(String username, String id) {
        Path dbtHome = executable().map(dbt -> dbt.getParent().getParent()).orElse(Path.of("/nonexistent"));
        return new ServerPaths(jobDir(username, id), workspaces.root(username), users.of(username),
                users.usersRoot().getParent(), dbtHome, packages.directory());
    }

    /**
     * Blocking: why dbt must not run for the job on the user's workspace as it is on disk, or empty. A {@code deps} job
     * gets the project that tells dbt what to install ({@link #writeInstallProject}).
     */
    Optional<String> prepare(Job job) throws IOException {
        Optional<String> escape = workspaces.escapeFromWorkspace(job.username());
        if (escape.isPresent() || !DEPS.equals(job.command().command())) {
            return escape;
        }
        DbtPackages.Installation installation;
        try {
            installation = packages.installation(workspaces.root(job.username()));
        } catch (ProblemException refused) {
            return Optional.of(refused.detail());
        }
        writeInstallProject(installProject(job), installation);
        return Optional.empty();
    }

    /**
     * Blocking: prepares the job's directory and profile and starts dbt in the user's workspace, DuckDB held to
     * {@code duckdbMemoryLimit} bytes (in local mode: the plugin sets it, since a limit in the profile would change
     * the profile's hash from job to job, and dbt would parse the whole project again).
     */
    DbtProcess start(Job job, long duckdbMemoryLimit) throws IOException, InterruptedException {
        Path dbt = executable().orElseThrow(() -> new IllegalStateException("the dbt executable " + config.dbtExecutable() + " is missing"));
        Path dir = jobDir(job.username(), job.id());
        Path target = dir.resolve("target");
        Files.createDirectories(target);
        Files.writeString(dir.resolve("profiles.yml"), profile(job.username()));
        Path python = Files.createDirectories(dir.resolve("python"));
        Files.writeString(python.resolve(SEED_FILES_PLUGIN + ".py"), seedFilesPlugin);
        json.writeValue(python.resolve("seed_files.json").toFile(), workspaces.seedFiles(job.username()));
        json.writeValue(python.resolve("memory_limit.json").toFile(), duckdbSize(duckdbMemoryLimit));
        Path saved = partialParse(job.username());
        if (Files.exists(saved)) {
            Files.copy(saved, target.resolve(PARTIAL_PARSE), StandardCopyOption.REPLACE_EXISTING);
        }
        Path workspace = workspaces.root(job.username());
        Map<String, String> env = new HashMap<>(environment(dbt, dir));
        warehouseConfig.motherduckToken().ifPresent(token -> env.put("MOTHERDUCK_TOKEN", token));
        Optional<DbtProcess> forked = runtime.fork(new WarmRuntime.Fork(job.id(), dbtArguments(job, dir), workspace, env,
                List.of(python.toString()), limits(), confinement.rules(dbt, job.username()), dir.resolve("exit_code")));
        if (forked.isPresent()) {
            return forked.get();
        }
        ProcessBuilder builder = new ProcessBuilder(argv(dbt, job, dir)).directory(workspace.toFile()).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(env);
        return DbtProcess.of(builder.start());
    }

    /** Blocking: keeps the job's parse state for the user's next job, so that dbt need not parse everything again. */
    void keepPartialParse(Job job) throws IOException {
        Path produced = jobDir(job.username(), job.id()).resolve("target").resolve(PARTIAL_PARSE);
        if (Files.exists(produced)) {
            Files.copy(produced, partialParse(job.username()), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private Path partialParse(String username) {
        return jobsDir(username).resolve(PARTIAL_PARSE);
    }

    private Path installProject(Job job) {
        return jobDir(job.username(), job.id()).resolve(DEPS);
    }

    /**
     * dbt deps runs on a project of its own in the job's folder, never seen by the learner: its install path is the
     * workspace's, and its package-lock.yml names each offered version's folder as a local package. The project lists
     * no packages itself, so the lock's hash is current and dbt installs exactly what the lock names: it neither reads
     * the packages' own dependencies (the service resolved them against what is offered) nor asks the hub, and it
     * links each folder into the workspace rather than copying it. One copy per version thus serves every learner.
     */
    private void writeInstallProject(Path project, DbtPackages.Installation installation) throws IOException {
        Files.createDirectories(project);
        Files.writeString(project.resolve("dbt_project.yml"), "name: decode_deps\nversion: \"1.0.0\"\nconfig-version: 2\n"
                + "packages-install-path: " + quote(installation.installPath().toString()) + "\n");
        StringBuilder lock = new StringBuilder(installation.packages().isEmpty() ? "packages: []\n" : "packages:\n");
        for (DbtPackages.Offered offered : installation.packages()) {
            lock.append("  - local: ").append(quote(offered.dir().toString())).append('\n');
        }
        Files.writeString(project.resolve("package-lock.yml"), lock.append("sha1_hash: ").append(SHA1_OF_NO_PACKAGES).append('\n'));
    }

    /** The plain process's command line: dbt wrapped in its own group, limits and confinement. */
    private List<String> argv(Path dbt, Job job, Path dir) {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/setsid", "/usr/bin/env", "--default-signal=INT", "/usr/bin/prlimit"));
        limits().forEach((limit, value) -> argv.add("--" + limit + "=" + value));
        argv.add("--");
        List<String> command = new ArrayList<>(List.of(dbt.toString()));
        command.addAll(dbtArguments(job, dir));
        argv.addAll(confinement.wrap(dbt, job.username(), command));
        return argv;
    }

    /** dbt's arguments for the job, after the program's name. */
    private List<String> dbtArguments(Job job, Path dir) {
        List<String> args = new ArrayList<>(job.command().args());
        args.addAll(List.of("--profiles-dir", dir.toString(), "--profile", PROFILE, "--target", TARGET,
                "--log-path", dir.resolve("logs").toString(), "--log-level-file", "none", "--log-format", "json", "--no-use-colors"));
        // dbt deps takes no target path: it writes no artifacts.
        args.addAll(DEPS.equals(job.command().command()) ? List.of("--project-dir", installProject(job).toString())
                : List.of("--target-path", dir.resolve("target").toString()));
        return args;
    }

    /** Each dbt's resource limits, named as prlimit's options and the warm runtime name them. */
    private Map<String, Long> limits() {
        JobsConfig.Process limits = config.process();
        Map<String, Long> named = new LinkedHashMap<>();
        named.put("as", limits.addressSpace().asLongValue());
        named.put("nproc", (long) limits.processes());
        named.put("nofile", (long) limits.openFiles());
        named.put("cpu", cpuSeconds());
        return named;
    }

    /** Above the wall-clock limit (dbt has more than one thread), so that the supervisor's timeout acts first. */
    private long cpuSeconds() {
        return config.maxRunTime().plus(config.cancelGrace()).toSeconds() * 2 + 60;
    }

    /** A dbt process's whole environment: nothing of the service's reaches it. */
    static Map<String, String> environment(Path dbt, Path dir) {
        return Map.ofEntries(Map.entry("PATH", dbt.getParent() + ":/usr/local/bin:/usr/bin:/bin"),
                Map.entry("HOME", dir.toString()),
                Map.entry("LANG", "C.UTF-8"),
                Map.entry("LC_ALL", "C.UTF-8"),
                Map.entry("PYTHONUNBUFFERED", "1"),
                Map.entry("PYTHONDONTWRITEBYTECODE", "1"),
                Map.entry("PYTHONPATH", dir.resolve("python").toString()),
                Map.entry("DBT_PROFILES_DIR", dir.toString()),
                Map.entry("DBT_SEND_ANONYMOUS_USAGE_STATS", "false"),
                Map.entry("DBT_VERSION_CHECK", "false"),
                Map.entry("DBT_LOG_FORMAT", "json"),
                Map.entry("DBT_USE_COLORS", "false"));
    }

    /**
     * Local mode: the user's DuckDB file with {@code learn} attached read-only. DuckDB's file access is turned off
     * per connection after the attach, so models can read neither files nor other users' databases; only the
     * project's seed files, as the job found them after the workspace check, stay readable through the plugin, so
     * that seeds load with dbt-duckdb's fast path; the plugin sets the job's memory limit too. MotherDuck mode: the
     * token reaches dbt only through this child's environment, never written to the profile, and DuckDB gets the
     * configured memory limit.
     */
    String profile(String username) {
        StringBuilder yaml = new StringBuilder(PROFILE + ":\n  target: " + TARGET + "\n  outputs:\n    " + TARGET + ":\n")
                .append("      type: duckdb\n      threads: 1\n");
        if (warehouseConfig.motherduckToken().isPresent()) {
            yaml.append("      path: ").append(quote("md:decode_" + username + "?attach_mode=single")).append('\n')
                    .append("      motherduck_token: \"{{ env_var('MOTHERDUCK_TOKEN') }}\"\n")
                    .append("      attach:\n        - path: ").append(quote("md:" + WarehouseFiles.LEARN)).append('\n');
        } else {
            yaml.append("      path: ").append(quote(warehouse.database(username).toString())).append('\n')
                    .append("      plugins:\n        - module: ").append(SEED_FILES_PLUGIN).append('\n')
                    .append("      attach:\n        - path: ").append(quote(learnCatalog.path().toString())).append('\n');
        }
        yaml.append("          alias: ").append(WarehouseFiles.LEARN).append("\n          read_only: true\n")
                .append("      settings:\n");
        if (warehouseConfig.motherduckToken().isPresent()) {
            yaml.append("        memory_limit: ").append(quote(duckdbSize(config.process().duckdbMemoryLimit().asLongValue()))).append('\n');
        } else {
            yaml.append("        enable_external_access: false\n");
        }
        return yaml.toString();
    }

    /** A size as DuckDB's settings take it. */
    private static String duckdbSize(long bytes) {
        return bytes / 1024 + "KiB";
    }

    /** A JSON string is a valid YAML scalar, whatever characters the path holds. */
    private String quote(String value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
