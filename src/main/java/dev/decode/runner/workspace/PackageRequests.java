package dev.decode.runner.workspace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.yaml.snakeyaml.error.YAMLException;

import dev.decode.runner.platform.errors.ProblemException;

/**
 * The packages a {@code packages.yml} or {@code dependencies.yml} asks for, and the offered versions that satisfy them
 * and everything they need in turn. Only hub packages ({@code package: namespace/name}) are read; {@code version} is a
 * pinned version ({@code 1.3.3}) or a range as dbt writes it ({@code ">=1.0.0,<2.0.0"} or a list of bounds), and the
 * highest offered version within every range that names the package is chosen, as {@code dbt deps} chooses from the
 * hub. Pre-releases count only when a bound names one or {@code install-prerelease} is true, as in dbt.
 */
final class PackageRequests {

    static final String PACKAGES_FILE = "packages.yml";
    static final String DEPENDENCIES_FILE = "dependencies.yml";
    static final List<String> FILES = List.of(PACKAGES_FILE, DEPENDENCIES_FILE);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*/[A-Za-z0-9_][A-Za-z0-9_.-]*");
    /** Ways dbt installs a package from elsewhere than the hub; none is reachable from a job. */
    private static final List<String> OTHER_SOURCES = List.of("git", "local", "tarball", "private");
    private static final Set<String> HUB_KEYS = Set.of("package", "version", "install-prerelease", "install_prerelease");
    private static final String VERSION_FORMS = "pin one like 1.3.3 or give a range like \">=1.0.0,<2.0.0\"";

    /** One hub package a file asks for, with the bounds its version must meet. */
    record Request(String name, List<PackageVersion.Specifier> bounds, boolean prerelease) {
    }

    private PackageRequests() {
    }

    /**
     * What the file {@code whose} (for the learner to read: "packages.yml", "dbt-labs/codegen 0.14.1") asks for; empty
     * when it has no {@code packages} key. Refuses anything but offered-style hub entries, naming the entry.
     */
    static Optional<List<Request>> read(String whose, byte[] content, DbtPackages.Catalog catalog) {
        Map<?, ?> file;
        try {
            file = ProjectPaths.parse(content);
        } catch (CharacterCodingException e) {
            throw ProblemException.invalidRequest(whose + " must be UTF-8 text.");
        } catch (YAMLException e) {
            throw ProblemException.invalidRequest(whose + " is not valid YAML: " + ProjectPaths.problem(e));
        }
        for (Object key : file.keySet()) {
            if (!"packages".equals(key)) {
                throw ProblemException.invalidRequest(whose + " may hold only 'packages', not '" + key + "'.");
            }
        }
        if (!file.containsKey("packages")) {
            return Optional.empty();
        }
        Object packages = file.get("packages");
        if (packages == null) {
            return Optional.of(List.of());
        }
        if (!(packages instanceof List<?> entries)) {
            throw ProblemException.invalidRequest("'packages' in " + whose + " must be a list of packages.");
        }
        List<Request> requests = new ArrayList<>();
        for (Object entry : entries) {
            if (!(entry instanceof Map<?, ?> fields)) {
                throw ProblemException.invalidRequest("Each entry of 'packages' in " + whose + " must be a mapping, like "
                        + "'- package: dbt-labs/dbt_utils'.");
            }
            requests.add(request(whose, fields, catalog));
        }
        return Optional.of(List.copyOf(requests));
    }

    /**
     * The offered version of every package {@code requests} ask for, and of every package those need (read from their
     * own packages files in the package directory), in the order first asked for.
     */
    static List<DbtPackages.Offered> resolve(List<Request> requests, DbtPackages.Catalog catalog) {
        Map<String, Wanted> wanted = new LinkedHashMap<>();
        requests.forEach(request -> want(wanted, request, null));
        Set<DbtPackages.Offered> expanded = new HashSet<>();
        while (true) {
            List<DbtPackages.Offered> chosen = wanted.values().stream().map(each -> choose(each, catalog)).toList();
            boolean grew = false;
            for (DbtPackages.Offered offered : chosen) {
                if (expanded.add(offered)) {
                    for (Request need : needs(offered, catalog)) {
                        want(wanted, need, offered);
                        grew = true;
                    }
                }
            }
            if (!grew) {
                return chosen;
            }
        }
    }

    /** Every bound that names one package, and who asked for it first (null: the learner). */
    private record Wanted(String name, List<PackageVersion.Specifier> bounds, boolean prerelease, DbtPackages.Offered neededBy) {
    }

    private static void want(Map<String, Wanted> wanted, Request request, DbtPackages.Offered neededBy) {
        wanted.merge(request.name(), new Wanted(request.name(), request.bounds(), request.prerelease(), neededBy),
                (old, added) -> {
                    List<PackageVersion.Specifier> bounds = new ArrayList<>(old.bounds());
                    bounds.addAll(added.bounds());
                    return new Wanted(old.name(), List.copyOf(bounds), old.prerelease() || added.prerelease(), old.neededBy());
                });
    }

    private static DbtPackages.Offered choose(Wanted wanted, DbtPackages.Catalog catalog) {
        List<DbtPackages.Offered> versions = catalog.versionsOf(wanted.name());
        String asker = wanted.neededBy() == null ? "" : " (needed by " + wanted.neededBy() + ")";
        if (versions.isEmpty()) {
            throw ProblemException.invalidRequest("The package '" + wanted.name() + "'" + asker + " is not offered here; offered: "
                    + catalog.describe() + ".");
        }
        boolean prerelease = wanted.prerelease() || wanted.bounds().stream().anyMatch(bound -> bound.version().isPrerelease());
        return versions.stream().filter(offered -> prerelease || !offered.version().isPrerelease())
                .filter(offered -> wanted.bounds().stream().allMatch(bound -> bound.admits(offered.version())))
                .reduce((lower, higher) -> higher)
                .orElseThrow(() -> ProblemException.invalidRequest("No offered version of the package '" + wanted.name() + "'"
                        + asker + " matches " + wanted.bounds().stream().map(Object::toString).collect(Collectors.joining(","))
                        + "; offered: " + versions.stream().map(DbtPackages.Offered::label).collect(Collectors.joining(", ")) + "."));
    }

    /** What an offered package needs, from the packages file it ships. */
    private static List<Request> needs(DbtPackages.Offered offered, DbtPackages.Catalog catalog) {
        for (String name : FILES) {
            Path file = offered.dir().resolve(name);
            if (Files.isRegularFile(file)) {
                try {
                    Optional<List<Request>> needs = read(offered + "'s " + name, Files.readAllBytes(file), catalog);
                    if (needs.isPresent()) {
                        return needs.get();
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return List.of();
    }

    private static Request request(String whose, Map<?, ?> fields, DbtPackages.Catalog catalog) {
        for (String source : OTHER_SOURCES) {
            if (fields.containsKey(source)) {
                throw ProblemException.invalidRequest("The " + source + " package '" + fields.get(source) + "' in " + whose
                        + " cannot be installed: only hub packages that this service offers can, and jobs have no network. "
                        + "Offered: " + catalog.describe() + ".");
            }
        }
        if (!(fields.get("package") instanceof String name) || !NAME.matcher(name).matches()) {
            throw ProblemException.invalidRequest("Each entry of 'packages' in " + whose + " names a hub package as "
                    + "'package: namespace/name'; offered: " + catalog.describe() + ".");
        }
        for (Object key : fields.keySet()) {
            if (!HUB_KEYS.contains(key)) {
                throw ProblemException.invalidRequest("The package '" + name + "' in " + whose + " has the setting '" + key
                        + "', which hub packages do not take: give 'package', 'version' and optionally 'install-prerelease'.");
            }
        }
        Object prerelease = fields.containsKey("install-prerelease") ? fields.get("install-prerelease") : fields.get("install_prerelease");
        if (prerelease != null && !(prerelease instanceof Boolean)) {
            throw ProblemException.invalidRequest("'install-prerelease' of the package '" + name + "' in " + whose + " must be true or false.");
        }
        return new Request(name, bounds(whose, name, fields.get("version"), catalog), Boolean.TRUE.equals(prerelease));
    }

    /** dbt reads a version as one string, a comma-separated string of bounds, or a list of bounds. */
    private static List<PackageVersion.Specifier> bounds(String whose, String name, Object version, DbtPackages.Catalog catalog) {
        String offered = "; offered: " + catalog.describe(name) + ".";
        if (version == null) {
            throw ProblemException.invalidRequest("The package '" + name + "' in " + whose + " needs a version: " + VERSION_FORMS + offered);
        }
        List<String> texts = new ArrayList<>();
        if (version instanceof List<?> list) {
            list.forEach(each -> texts.add(String.valueOf(each)));
        } else {
            texts.addAll(List.of(String.valueOf(version).split(",", -1)));
        }
        List<PackageVersion.Specifier> bounds = new ArrayList<>();
        for (String text : texts) {
            bounds.add(PackageVersion.Specifier.parse(text).orElseThrow(() -> ProblemException.invalidRequest("The version '" + text
                    + "' of the package '" + name + "' in " + whose + " is not one dbt reads: " + VERSION_FORMS + offered)));
        }
        if (bounds.isEmpty()) {
            throw ProblemException.invalidRequest("The package '" + name + "' in " + whose + " needs a version: " + VERSION_FORMS + offered);
        }
        return List.copyOf(bounds);
    }
}
