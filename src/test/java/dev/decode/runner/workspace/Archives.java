package dev.decode.runner.workspace;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.decode.runner.support.DbtEnvironment;

/**
 * Archives as tools write them: zips by java.util.zip, tar.gz by GNU tar, and what java.util.zip cannot write (tar
 * with pax or GNU headers, links, devices, pipes, zips with Unix modes) by Python's tarfile and zipfile.
 */
public final class Archives {

    /** One entry for Python to write: type is file, dir, symlink, hardlink, chardev or fifo. */
    record Entry(String name, String type, String text, Integer zeros, String link) {

        static Entry file(String name, String text) {
            return new Entry(name, "file", text, null, null);
        }

        static Entry zeros(String name, int size) {
            return new Entry(name, "file", null, size, null);
        }

        static Entry folder(String name) {
            return new Entry(name, "dir", null, null, null);
        }

        static Entry special(String type, String name, String link) {
            return new Entry(name, type, null, null, link);
        }
    }

    private Archives() {
    }

    /** The starter template's files, path to content, in the template's order. */
    public static Map<String, byte[]> starter() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String path : new String(resource("templates/starter/FILES"), StandardCharsets.UTF_8).lines().filter(line -> !line.isBlank()).toList()) {
            files.put(path, resource("templates/starter/" + path));
        }
        return files;
    }

    public static byte[] zip(Map<String, byte[]> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** What a zip holds, path to content, read back with java.util.zip. */
    public static Map<String, byte[]> unzip(byte[] archive) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new java.io.ByteArrayInputStream(archive))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                files.put(entry.getName(), zip.readAllBytes());
            }
        }
        return files;
    }

    /** {@code tar -czf - -C <folder> .}, GNU tar's own format: entries named ./…, GNU long names past 100 characters. */
    public static byte[] gnuTarGz(Map<String, byte[]> files) throws IOException, InterruptedException {
        Path folder = Files.createTempDirectory("archive-");
        try {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path target = folder.resolve(file.getKey());
                Files.createDirectories(target.getParent());
                Files.write(target, file.getValue());
            }
            return run(List.of("tar", "--format=gnu", "-czf", "-", "-C", folder.toString(), "."), new byte[0]);
        } finally {
            try (var walk = Files.walk(folder)) {
                for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    /** {@code format}: zip, tar.gz (pax headers) or gnu.tar.gz. */
    static byte[] python(String format, List<Entry> entries) throws IOException, InterruptedException {
        List<Map<String, Object>> spec = new ArrayList<>();
        for (Entry entry : entries) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("name", entry.name());
            fields.put("type", entry.type());
            if (entry.text() != null) {
                fields.put("text", entry.text());
            }
            if (entry.zeros() != null) {
                fields.put("zeros", entry.zeros());
            }
            if (entry.link() != null) {
                fields.put("link", entry.link());
            }
            spec.add(fields);
        }
        byte[] input = new ObjectMapper().writeValueAsBytes(Map.of("format", format, "entries", spec));
        return run(List.of(DbtEnvironment.python().toString(), script().toString()), input);
    }

    private static byte[] run(List<String> command, byte[] input) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (var stdin = process.getOutputStream()) {
            stdin.write(input);
        }
        byte[] output = process.getInputStream().readAllBytes();
        if (process.waitFor() != 0) {
            throw new IllegalStateException(command.get(0) + " failed with exit code " + process.exitValue());
        }
        return output;
    }

    private static Path script() {
        try {
            return Path.of(Archives.class.getResource("/make-archive.py").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = Archives.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + name);
            }
            return in.readAllBytes();
        }
    }
}
