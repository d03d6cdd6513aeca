package dev.decode.runner.workspace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;
import org.yaml.snakeyaml.error.YAMLException;

import dev.decode.runner.platform.errors.ProblemException;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The dbt packages the operator offers, one unpacked copy per version in {@code RUNNER_DBT_PACKAGES_DIR}, laid out
 * {@code <namespace>/<package>/<version>/} (e.g. {@code dbt-labs/dbt_utils/1.3.3/dbt_project.yml}), shared read-only by
 * every learner: {@code dbt deps} links them into a workspace (see {@code jobs/DbtLauncher}). The directory is read on
 * each call, so what is offered is what lies there. Every method blocks (files): call it on a worker.
 */
@ApplicationScoped
public class DbtPackages {

    private static final Logger LOG = Logger.getLogger(DbtPackages.class);
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    private static final String INSTALL_PATH_KEY = "packages-install-path";
    private static final String DEFAULT_INSTALL_PATH = "dbt_packages";

    private final Optional<Path> directory;

    DbtPackages(WorkspaceConfig config) {
        this.directory = config.dbtPackagesDir().map(dir -> dir.toAbsolutePath().normalize());
    }

    /** One offered version of a package; {@code label} is its folder's name. */
    public record Offered(String name, String label, PackageVersion version, Path dir) {

        @Override
        public String toString() {
            return name + " " + label;
        }
    }

    /** Everything offered: package name to its versions, lowest first. */
    public record Catalog(Map<String, List<Offered>> packages) {

        /** Folders that do not look like {@code <namespace>/<package>/<version>/dbt_project.yml} are passed over. */
        static Catalog read(Path directory) {
            Map<String, List<Offered>> packages = new TreeMap<>();
            for (Path namespace : folders(directory)) {
                for (Path pkg : folders(namespace)) {
                    List<Offered> versions = new ArrayList<>();
                    for (Path version : folders(pkg)) {
                        String label = version.getFileName().toString();
                        Optional<PackageVersion> parsed = PackageVersion.parse(label);
                        if (parsed.isPresent() && Files.isRegularFile(version.resolve(ProjectPaths.FILE))) {
                            versions.add(new Offered(namespace.getFileName() + "/" + pkg.getFileName(), label, parsed.get(), version));
                        }
                    }
                    if (!versions.isEmpty()) {
                        versions.sort(Comparator.comparing(Offered::version));
                        packages.put(versions.get(0).name(), List.copyOf(versions));
                    }
                }
            }
            return new Catalog(packages);
        }

        List<Offered> versionsOf(String name) {
            return packages.getOrDefault(name, List.of());
        }

        /** For the learner: what may be asked for. */
        String describe() {
            return packages.isEmpty() ? "none (this service offers no dbt packages)"
                    : packages.values().stream().map(Catalog::versions).collect(Collectors.joining("; "));
        }

        /** For the learner: the versions of one package, or everything when that package is not offered. */
        String describe(String name) {
            return packages.containsKey(name) ? versions(versionsOf(name)) : describe();
        }

        private static String versions(List<Offered> versions) {
            return versions.get(0).name() + " " + versions.stream().map(Offered::label).collect(Collectors.joining(", "));
        }
    }

    /** What a {@code deps} job installs, and into which folder of the workspace. */
    public record Installation(Path installPath, List<Offered> packages) {
    }

    @RegisterForReflection
    public record Offering(String name, List<String> versions) {
    }

    public Optional<Path> directory() {
        return directory;
    }

    /** What is offered, as the API lists it. */
    public List<Offering> offerings() {
        return catalog().packages().values().stream()
                .map(versions -> new Offering(versions.get(0).name(), versions.stream().map(Offered::label).toList())).toList();
    }

    Catalog catalog() {
        return directory.map(Catalog::read).orElseGet(() -> new Catalog(Map.of()));
    }

    /**
     * Refuses a packages file ({@code packages.yml} or {@code dependencies.yml} of the workspace {@code root}) that asks
     * for anything not offered, or that declares packages beside the other file, which dbt refuses.
     */
    void check(Path root, String file, byte[] content) {
        check(file, content, stored(root, other(file)));
    }

    /** As {@link #check(Path, String, byte[])}, beside {@code otherFile}, the content of the other packages file if any. */
    void check(String file, byte[] content, Optional<byte[]> otherFile) {
        Catalog catalog = catalog();
        Optional<List<PackageRequests.Request>> requests = PackageRequests.read(file, content, catalog);
        if (requests.isEmpty()) {
            return;
        }
        String other = other(file);
        if (otherFile.flatMap(bytes -> PackageRequests.read(other, bytes, catalog)).isPresent()) {
            throw ProblemException.invalidRequest("dbt reads the packages from " + PackageRequests.PACKAGES_FILE + " or "
                    + PackageRequests.DEPENDENCIES_FILE + ", not both: " + other + " already lists them. Delete one of them first.");
        }
        PackageRequests.resolve(requests.get(), catalog);
    }

    /**
     * What {@code dbt deps} must install into the workspace {@code root}: the offered versions of the packages its files
     * ask for and of what those need. Refuses (invalid-request, for the job's log) what is not offered, and an install
     * folder that holds anything but installed packages, since dbt empties it first.
     */
    public Installation installation(Path root) {
        Catalog catalog = catalog();
        Optional<List<PackageRequests.Request>> fromPackages = declared(root, PackageRequests.PACKAGES_FILE, catalog);
        Optional<List<PackageRequests.Request>> fromDependencies = declared(root, PackageRequests.DEPENDENCIES_FILE, catalog);
        if (fromPackages.isPresent() && fromDependencies.isPresent()) {
            throw ProblemException.invalidRequest("dbt reads the packages from " + PackageRequests.PACKAGES_FILE + " or "
                    + PackageRequests.DEPENDENCIES_FILE + ", not both; delete one of them.");
        }
        List<Offered> packages = PackageRequests.resolve(fromPackages.or(() -> fromDependencies).orElse(List.of()), catalog);
        Path installPath = installPath(root);
        holdsOnlyPackages(root, installPath);
        return new Installation(installPath, packages);
    }

    /** A link that dbt deps made: it leads to an offered version's folder. */
    boolean isInstalledPackage(Path link) {
        if (directory.isEmpty() || !Files.isSymbolicLink(link)) {
            return false;
        }
        try {
            Path offered = directory.get().toRealPath();
            Path target = link.toRealPath();
            return target.startsWith(offered) && offered.relativize(target).getNameCount() == 3;
        } catch (IOException e) {
            return false;
        }
    }

    void logAtStart(@Observes StartupEvent event) {
        if (directory.isEmpty()) {
            LOG.info("No dbt packages offered: RUNNER_DBT_PACKAGES_DIR is unset");
        } else if (!Files.isDirectory(directory.get())) {
            LOG.warnf("The dbt package directory is missing, no packages are offered dir=%s", directory.get());
        } else {
            Catalog catalog = catalog();
            LOG.infof("dbt packages offered dir=%s packages=%d versions=%d", directory.get(), catalog.packages().size(),
                    catalog.packages().values().stream().mapToInt(List::size).sum());
        }
    }

    private static Optional<List<PackageRequests.Request>> declared(Path root, String file, Catalog catalog) {
        return stored(root, file).flatMap(content -> PackageRequests.read(file, content, catalog));
    }

    private static String other(String file) {
        return file.equals(PackageRequests.PACKAGES_FILE) ? PackageRequests.DEPENDENCIES_FILE : PackageRequests.PACKAGES_FILE;
    }

    private static Optional<byte[]> stored(Path root, String file) {
        try {
            return Optional.of(Files.readAllBytes(root.resolve(file)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** dbt_project.yml's packages-install-path (already checked to lie inside the workspace), else dbt's default. */
    private static Path installPath(Path root) {
        Path project = root.resolve(ProjectPaths.FILE);
        Object configured = null;
        if (Files.isRegularFile(project, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Map<?, ?> settings = ProjectPaths.parse(Files.readAllBytes(project));
                configured = settings.containsKey(INSTALL_PATH_KEY) ? settings.get(INSTALL_PATH_KEY)
                        : settings.get(INSTALL_PATH_KEY.replace('-', '_'));
            } catch (CharacterCodingException | YAMLException e) {
                throw ProblemException.invalidRequest(ProjectPaths.FILE + " is not valid YAML.");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root.resolve(configured instanceof String folder ? folder : DEFAULT_INSTALL_PATH).normalize();
    }

    private void holdsOnlyPackages(Path root, Path installPath) {
        if (!Files.isDirectory(installPath, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> entries = Files.walk(installPath)) {
            Optional<Path> kept = entries.filter(entry -> !Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS))
                    .filter(entry -> !isInstalledPackage(entry)).findFirst();
            if (kept.isPresent()) {
                throw ProblemException.invalidRequest("dbt deps empties '" + root.relativize(installPath) + "' before it installs "
                        + "packages, and it holds '" + root.relativize(kept.get()) + "'. Set " + INSTALL_PATH_KEY + " in "
                        + ProjectPaths.FILE + " to a folder of its own, like " + DEFAULT_INSTALL_PATH + ".");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> folders(Path parent) {
        try (Stream<Path> children = Files.list(parent)) {
            return children.filter(child -> SEGMENT.matcher(child.getFileName().toString()).matches())
                    .filter(Files::isDirectory).sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
