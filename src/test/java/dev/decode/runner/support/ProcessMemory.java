package dev.decode.runner.support;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Reads another process's memory through /proc (same user, no Yama restriction): its writable mappings, where
 * whatever it read or computed lives (heap, anonymous maps, interpreter arenas).
 */
public final class ProcessMemory {

    private static final int CHUNK = 1 << 20;

    private ProcessMemory() {
    }

    /** Whether any writable mapping of {@code pid} holds {@code text} (as UTF-8 bytes). */
    public static boolean holds(long pid, String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        List<String> maps = Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps"));
        try (RandomAccessFile memory = new RandomAccessFile("/proc/" + pid + "/mem", "r")) {
            for (String map : maps) {
                String[] fields = map.split("\\s+");
                if (!fields[1].startsWith("rw") || (fields.length > 5 && fields[5].startsWith("[v"))) {
                    continue;
                }
                String[] range = fields[0].split("-");
                if (regionHolds(memory, Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16), needle)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean regionHolds(RandomAccessFile memory, long start, long end, byte[] needle) {
        byte[] buffer = new byte[CHUNK + needle.length];
        try {
            for (long at = start; at < end; at += CHUNK) {
                int length = (int) Math.min(buffer.length, end - at);
                memory.seek(at);
                memory.readFully(buffer, 0, length);
                if (indexOf(buffer, length, needle) >= 0) {
                    return true;
                }
            }
        } catch (IOException e) {
            // a mapping that cannot be read (guard pages) or went away while we read
        }
        return false;
    }

    private static int indexOf(byte[] haystack, int length, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The parent of {@code pid}, from /proc/<pid>/stat. */
    public static long parentOf(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    }

    /** The command line of {@code pid}, its arguments joined by spaces. */
    public static String commandLine(long pid) throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
        return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
    }

    /** The names of the environment {@code pid} started with (/proc/<pid>/environ). */
    public static List<String> environmentNames(long pid) throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        return Arrays.stream(new String(raw, StandardCharsets.UTF_8).split("\0")).filter(entry -> entry.contains("="))
                .map(entry -> entry.substring(0, entry.indexOf('='))).toList();
    }
}
