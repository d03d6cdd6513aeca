package dev.decode.runner.workspace;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.decode.runner.platform.errors.ProblemException;
import dev.decode.runner.workspace.WorkspaceArchives.Skipped;

/**
 * What an archive puts into a workspace, decided in one reading that writes nothing. An entry that would land outside
 * the workspace, a link, a device or a pipe refuses the whole archive (400), and so do the bomb guards (413: an entry
 * over the file quota, more than the workspace quota in all, too many entries, an absurd compression ratio), which
 * count every entry, skipped or not, by the bytes it really unpacks to. One top folder is stripped when every entry
 * lies under it, unless more files fit the rules where they are (an archive of {@code models/} alone). Each file then
 * goes through the single-file API's rules; one that breaks a rule is skipped, with the reason.
 */
final class ArchivePlan {

    /** Below this many unpacked bytes no compression ratio costs enough to refuse. */
    static final long RATIO_FLOOR = 1024 * 1024;
    /** Far beyond the paths the rules allow, even below a stripped top folder. */
    private static final int MAX_NAME_LENGTH = 1024;
    /** How many skipped entries a refusal names; the rest are counted. */
    private static final int NAMED_IN_REFUSAL = 20;
    /** macOS Finder puts its metadata beside the folder it compresses; it must not keep that folder from being stripped. */
    private static final String MAC_METADATA = "__MACOSX";
    private static final Pattern DRIVE = Pattern.compile("[A-Za-z]:.*");

    private record Scanned(int index, String name, String path, ArchiveEntry.Kind kind) {
    }

    private final Map<Integer, String> destinations;
    private final List<Skipped> skipped;

    private ArchivePlan(Map<Integer, String> destinations, List<Skipped> skipped) {
        this.destinations = destinations;
        this.skipped = skipped;
    }

    /**
     * Blocking: reads the whole archive once. {@code workspace} is the folder the project's path settings must stay
     * inside ({@link ProjectPaths}).
     */
    static ArchivePlan of(ArchiveReader reader, WorkspaceConfig config, Path workspace, DbtPackages packages) throws IOException {
        Map<Integer, byte[]> projectFiles = new HashMap<>();
        List<Scanned> entries = new Guards(reader, config).scan(projectFiles);
        String top = topFolder(entries);
        if (top != null && fitting(entries, null, projectFiles) > fitting(entries, top, projectFiles)) {
            top = null;
        }
        ProjectFolders folders = folders(entries, top, projectFiles);
        Map<Integer, String> destinations = new LinkedHashMap<>();
        List<Skipped> skipped = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Scanned entry : entries) {
            if (entry.kind() != ArchiveEntry.Kind.FILE) {
                continue;
            }
            String path = below(top, entry.path());
            if (!seen.add(path)) {
                throw WorkspaceProblems.refusedArchive("The archive holds '" + path + "' twice.");
            }
            Optional<String> broken = WorkspacePath.problemWith(path, folders);
            if (broken.isEmpty() && path.endsWith(ProjectPaths.FILE)) {
                broken = ProjectPaths.check(workspace, workspace.resolve(path).getParent(), projectFiles.get(entry.index()))
                        .map(ProjectPaths.Violation::detail);
            }
            if (broken.isEmpty() && PackageRequests.FILES.contains(path)) {
                broken = packagesProblem(packages, path, projectFiles.get(entry.index()), entries, top, projectFiles);
            }
            broken.ifPresentOrElse(reason -> skipped.add(new Skipped(entry.name(), reason)), () -> destinations.put(entry.index(), path));
        }
        refuseFileUnderFile(destinations.values());
        if (destinations.size() > config.maxFiles()) {
            throw WorkspaceProblems.quotaExceeded("The archive holds " + destinations.size() + " files for the workspace; a "
                    + "workspace may hold at most " + config.maxFiles() + " files. Your workspace is unchanged.");
        }
        if (destinations.isEmpty()) {
            throw refusal("None of the archive's files can go into a workspace", skipped);
        }
        return new ArchivePlan(destinations, skipped);
    }

    /** Where the entry at {@code index} goes in the workspace, or null when it does not. */
    String destination(int index) {
        return destinations.get(index);
    }

    List<Skipped> skipped() {
        return skipped;
    }

    /** {@code ?strict=true}: an archive with any skipped file is refused whole. */
    void refuseSkipped() {
        if (!skipped.isEmpty()) {
            throw refusal("These files of the archive break the workspace's rules", skipped);
        }
    }

    /**
     * The folders that the archive's own {@code dbt_project.yml} names, with {@code top} stripped: the single-file API
     * reads them from the stored one, and the archive's replaces it.
     */
    private static ProjectFolders folders(List<Scanned> entries, String top, Map<Integer, byte[]> projectFiles) {
        return content(ProjectPaths.FILE, entries, top, projectFiles).map(ProjectFolders::of).orElse(ProjectFolders.STANDARD);
    }

    /** The content of the file the archive puts at {@code path}, when it keeps that file's content. */
    private static Optional<byte[]> content(String path, List<Scanned> entries, String top, Map<Integer, byte[]> projectFiles) {
        return entries.stream().filter(entry -> entry.kind() == ArchiveEntry.Kind.FILE && below(top, entry.path()).equals(path))
                .map(entry -> projectFiles.get(entry.index())).filter(Objects::nonNull).findFirst();
    }

    /** A packages file is checked beside the archive's other packages file, which replaces the stored one. */
    private static Optional<String> packagesProblem(DbtPackages packages, String path, byte[] content, List<Scanned> entries,
            String top, Map<Integer, byte[]> projectFiles) {
        String other = path.equals(PackageRequests.PACKAGES_FILE) ? PackageRequests.DEPENDENCIES_FILE : PackageRequests.PACKAGES_FILE;
        try {
            packages.check(path, content, content(other, entries, top, projectFiles));
            return Optional.empty();
        } catch (ProblemException broken) {
            return Optional.of(broken.detail());
        }
    }

    /** The one folder every entry lies under (macOS metadata aside), or null. */
    private static String topFolder(List<Scanned> entries) {
        String top = null;
        boolean holdsFiles = false;
        for (Scanned entry : entries) {
            if (entry.path().isEmpty() || entry.path().equals(MAC_METADATA) || entry.path().startsWith(MAC_METADATA + "/")) {
                continue;
            }
            int slash = entry.path().indexOf('/');
            if (slash < 0 && entry.kind() != ArchiveEntry.Kind.FOLDER) {
                return null;
            }
            String first = slash < 0 ? entry.path() : entry.path().substring(0, slash);
            if (top != null && !top.equals(first)) {
                return null;
            }
            top = first;
            holdsFiles |= entry.kind() == ArchiveEntry.Kind.FILE;
        }
        return holdsFiles ? top : null;
    }

    /** How many files pass the rules with {@code top} stripped, or as they are when it is null. */
    private static long fitting(List<Scanned> entries, String top, Map<Integer, byte[]> projectFiles) {
        ProjectFolders folders = folders(entries, top, projectFiles);
        return entries.stream().filter(entry -> entry.kind() == ArchiveEntry.Kind.FILE)
                .filter(entry -> WorkspacePath.problemWith(below(top, entry.path()), folders).isEmpty()).count();
    }

    private static String below(String top, String path) {
        return top != null && path.startsWith(top + "/") ? path.substring(top.length() + 1) : path;
    }

    /**
     * Entries are named relative to the archive: tar writes {@code ./models/a.sql} when given '.', and Windows
     * PowerShell's Compress-Archive separates folders with '\'.
     */
    private static String relative(String name) {
        String path = name.replace('\\', '/');
        while (path.startsWith("./")) {
            path = path.substring(2);
        }
        path = path.equals(".") ? "" : path;
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static boolean escapes(String path) {
        if (path.startsWith("/") || DRIVE.matcher(path).matches()) {
            return true;
        }
        for (String segment : path.split("/")) {
            if (segment.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private static void refuseFileUnderFile(Collection<String> paths) {
        Set<String> files = new HashSet<>(paths);
        for (String path : paths) {
            for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
                if (files.contains(path.substring(0, slash))) {
                    throw WorkspaceProblems.refusedArchive("The archive holds '" + path.substring(0, slash) + "' both as a file and as a folder.");
                }
            }
        }
    }

    private static ProblemException refusal(String what, List<Skipped> skipped) {
        String named = skipped.stream().limit(NAMED_IN_REFUSAL).map(entry -> "'" + entry.path() + "' (" + entry.reason() + ")")
                .collect(Collectors.joining("; "));
        String more = skipped.size() > NAMED_IN_REFUSAL ? "; and " + (skipped.size() - NAMED_IN_REFUSAL) + " more" : "";
        return WorkspaceProblems.refusedArchive(skipped.isEmpty() ? what + ": it holds no files." : what + ": " + named + more + ".");
    }

    /** The checks made while the archive is read, before a byte of it is written. */
    private static final class Guards {

        private final ArchiveReader reader;
        private final WorkspaceConfig config;
        private long declared;

        Guards(ArchiveReader reader, WorkspaceConfig config) {
            this.reader = reader;
            this.config = config;
        }

        List<Scanned> scan(Map<Integer, byte[]> projectFiles) throws IOException {
            List<Scanned> entries = new ArrayList<>();
            for (ArchiveEntry entry = reader.next(); entry != null; entry = reader.next()) {
                checkRatio();
                if (entries.size() == config.maxArchiveEntries()) {
                    throw quota("The archive holds more than " + config.maxArchiveEntries() + " entries.");
                }
                String path = safePath(entry);
                checkSize(entry);
                if (entry.kind() == ArchiveEntry.Kind.FILE) {
                    String name = path.substring(path.lastIndexOf('/') + 1);
                    boolean project = name.equals(ProjectPaths.FILE) || PackageRequests.FILES.contains(name);
                    byte[] kept = read(reader.content(), project);
                    if (project) {
                        projectFiles.put(entries.size(), kept);
                    }
                }
                entries.add(new Scanned(entries.size(), entry.name(), path, entry.kind()));
            }
            return entries;
        }

        private static String safePath(ArchiveEntry entry) {
            if (entry.name().length() > MAX_NAME_LENGTH) {
                throw WorkspaceProblems.refusedArchive("The archive holds an entry whose name is longer than " + MAX_NAME_LENGTH
                        + " characters.");
            }
            String path = relative(entry.name());
            if (escapes(path)) {
                throw WorkspaceProblems.refusedArchive("The archive's entry '" + entry.name() + "' would land outside the "
                        + "workspace (an absolute path or one through '..').");
            }
            return switch (entry.kind()) {
                case LINK -> throw WorkspaceProblems.refusedArchive("The archive's entry '" + entry.name() + "' is a link; an "
                        + "archive may hold only files and folders.");
                case SPECIAL -> throw WorkspaceProblems.refusedArchive("The archive's entry '" + entry.name() + "' is a device, "
                        + "pipe or socket; an archive may hold only files and folders.");
                case FILE, FOLDER -> path;
            };
        }

        /** On the declared size, before the entry is read; reading then holds the entry to it. */
        private void checkSize(ArchiveEntry entry) {
            long maxFile = config.maxFileSize().asLongValue();
            if (entry.size() > maxFile) {
                throw quota("The archive's entry '" + entry.name() + "' unpacks to " + entry.size() + " bytes; a file may hold "
                        + "at most " + maxFile + " bytes.");
            }
            declared += entry.size();
            if (declared > config.maxTotalSize().asLongValue()) {
                throw quota("The archive unpacks to more than " + config.maxTotalSize().asLongValue() + " bytes; a workspace "
                        + "may hold at most that.");
            }
        }

        private byte[] read(InputStream content, boolean keep) throws IOException {
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try (InputStream in = content) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    checkRatio();
                    if (keep) {
                        kept.write(buffer, 0, n);
                    }
                }
            }
            return kept.toByteArray();
        }

        private void checkRatio() {
            long unpacked = reader.unpackedRead();
            if (unpacked > RATIO_FLOOR && unpacked > (long) config.maxCompressionRatio() * Math.max(1, reader.compressedRead())) {
                throw quota("The archive unpacks to more than " + config.maxCompressionRatio() + " times its compressed size, "
                        + "which only a decompression bomb does.");
            }
        }

        private static ProblemException quota(String detail) {
            return WorkspaceProblems.quotaExceeded(detail + " Your workspace is unchanged.");
        }
    }
}
