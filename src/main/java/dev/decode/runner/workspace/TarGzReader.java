package dev.decode.runner.workspace;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * A gzip-compressed tar archive: java.util.zip's GZIPInputStream and a small reader of what GNU tar, bsdtar, Python's
 * tarfile and git archive write: POSIX ustar headers (with the name prefix), pax extended headers ({@code path} and
 * {@code size}) and GNU long names. Every header's checksum is verified, and the gzip trailer's CRC once the archive
 * has ended. Global pax headers and GNU long link names are read past; sparse files, multi-volume parts and unknown
 * entry types are refused as unreadable. Written here rather than taken from Commons Compress: this is all a dbt
 * project's archives need, and it adds no library to the native image (Commons Compress would bring three more).
 */
final class TarGzReader implements ArchiveReader {

    private static final int BLOCK = 512;
    /** Extended headers and long names are read into memory; no real one comes near this. */
    private static final int MAX_METADATA = 64 * 1024;
    /** Metadata headers in a row before an entry: a pax header and a long name, each at most twice. */
    private static final int MAX_METADATA_IN_A_ROW = 4;
    /** What is read past the end-of-archive blocks to reach gzip's trailer: tar pads its last record to 10 KiB. */
    private static final int MAX_TRAILING = 1024 * 1024;
    private static final int NAME = 0;
    private static final int NAME_LENGTH = 100;
    private static final int SIZE = 124;
    private static final int CHECKSUM = 148;
    private static final int CHECKSUM_LENGTH = 8;
    private static final int TYPE = 156;
    private static final int MAGIC = 257;
    private static final String USTAR = "ustar";
    private static final int PREFIX = 345;
    private static final int PREFIX_LENGTH = 155;

    private final CountingInputStream compressed;
    private final CountingInputStream tar;
    private String name;
    private long size;
    private long left;
    private EntryContent content;
    private boolean ended;
    private boolean first = true;

    TarGzReader(Path archive) throws IOException {
        compressed = new CountingInputStream(Files.newInputStream(archive));
        try {
            tar = new CountingInputStream(new GZIPInputStream(compressed, 8192));
        } catch (ZipException | EOFException e) {
            compressed.close();
            throw WorkspaceProblems.unreadableArchive("it is not gzip-compressed.");
        }
    }

    @Override
    public ArchiveEntry next() throws IOException {
        content = null;
        skip(left + padding(size));
        left = 0;
        size = 0;
        if (ended) {
            return null;
        }
        Map<String, String> pax = Map.of();
        String longName = null;
        for (int metadata = 0; metadata <= MAX_METADATA_IN_A_ROW; metadata++) {
            byte[] header = new byte[BLOCK];
            int n = readFully(header);
            if (n == 0 || n == BLOCK && isZeros(header)) {
                finish();
                return null;
            }
            if (n < BLOCK) {
                throw WorkspaceProblems.unreadableArchive("it ends in the middle of a header.");
            }
            if (!checksumMatches(header)) {
                throw WorkspaceProblems.unreadableArchive(first ? "it is not a tar archive." : "a header is damaged.");
            }
            first = false;
            char type = (char) header[TYPE];
            long headerSize = number(header, SIZE, 12);
            switch (type) {
                case 'x' -> pax = paxRecords(metadata(headerSize));
                case 'L' -> longName = text(metadata(headerSize), 0, MAX_METADATA);
                case 'g', 'K' -> metadata(headerSize);
                default -> {
                    return entry(header, type, pax, longName, headerSize);
                }
            }
        }
        throw WorkspaceProblems.unreadableArchive("it holds a chain of metadata headers that belong to no entry.");
    }

    private ArchiveEntry entry(byte[] header, char type, Map<String, String> pax, String longName, long headerSize) {
        name = pax.containsKey("path") ? pax.get("path") : longName != null ? longName : headerName(header);
        size = pax.containsKey("size") ? paxNumber(pax.get("size")) : headerSize;
        left = size;
        if (pax.keySet().stream().anyMatch(key -> key.startsWith("GNU.sparse."))) {
            throw WorkspaceProblems.unreadableArchive("'" + name + "' is a sparse file.");
        }
        ArchiveEntry.Kind kind = switch (type) {
            // A regular file whose name ends in '/' is how the oldest tars wrote a folder.
            case '0', '\0', '7' -> name.endsWith("/") ? ArchiveEntry.Kind.FOLDER : ArchiveEntry.Kind.FILE;
            case '5' -> ArchiveEntry.Kind.FOLDER;
            case '1', '2' -> ArchiveEntry.Kind.LINK;
            case '3', '4', '6' -> ArchiveEntry.Kind.SPECIAL;
            default -> throw WorkspaceProblems.unreadableArchive("'" + name + "' is a kind of tar entry that is not read (type '"
                    + (Character.isLetterOrDigit(type) ? String.valueOf(type) : "?") + "').");
        };
        return new ArchiveEntry(name, kind, size);
    }

    @Override
    public InputStream content() {
        if (content == null) {
            content = new EntryContent(new Data(), name, size, EntryContent.NO_CRC, n -> {
            });
        }
        return content;
    }

    @Override
    public long compressedRead() {
        return compressed.count();
    }

    @Override
    public long unpackedRead() {
        return tar.count();
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }

    /** Reads on to gzip's end, so that its trailer checks the CRC of everything; data hidden there is not unpacked. */
    private void finish() throws IOException {
        ended = true;
        byte[] scratch = new byte[8192];
        long trailing = 0;
        while (trailing < MAX_TRAILING) {
            int n = read(scratch, 0, scratch.length);
            if (n < 0) {
                return;
            }
            trailing += n;
        }
    }

    private String headerName(byte[] header) {
        String base = text(header, NAME, NAME_LENGTH);
        String prefix = isPosixUstar(header) ? text(header, PREFIX, PREFIX_LENGTH) : "";
        return prefix.isEmpty() ? base : prefix + "/" + base;
    }

    /** "ustar" and a NUL: GNU's own format writes "ustar " and keeps other fields where POSIX keeps the prefix. */
    private static boolean isPosixUstar(byte[] header) {
        return new String(header, MAGIC, USTAR.length(), StandardCharsets.US_ASCII).equals(USTAR) && header[MAGIC + USTAR.length()] == 0;
    }

    private byte[] metadata(long length) throws IOException {
        if (length > MAX_METADATA) {
            throw WorkspaceProblems.unreadableArchive("it holds a metadata header larger than " + MAX_METADATA + " bytes.");
        }
        byte[] data = new byte[(int) length];
        if (readFully(data) < length) {
            throw WorkspaceProblems.unreadableArchive("it ends in the middle of a header.");
        }
        skip(padding(length));
        return data;
    }

    /** pax records: {@code "<length> <key>=<value>\n"}, the length counting the whole record. */
    private static Map<String, String> paxRecords(byte[] data) {
        Map<String, String> records = new HashMap<>();
        int at = 0;
        while (at < data.length) {
            int space = at;
            while (space < data.length && data[space] >= '0' && data[space] <= '9' && space - at < 6) {
                space++;
            }
            if (space == at || space >= data.length || data[space] != ' ') {
                throw WorkspaceProblems.unreadableArchive("an extended header is damaged.");
            }
            int length = Integer.parseInt(new String(data, at, space - at, StandardCharsets.US_ASCII));
            int end = at + length;
            if (length <= space - at + 1 || end > data.length || data[end - 1] != '\n') {
                throw WorkspaceProblems.unreadableArchive("an extended header is damaged.");
            }
            String record = new String(data, space + 1, end - space - 2, StandardCharsets.UTF_8);
            int equals = record.indexOf('=');
            if (equals <= 0) {
                throw WorkspaceProblems.unreadableArchive("an extended header is damaged.");
            }
            records.put(record.substring(0, equals), record.substring(equals + 1));
            at = end;
        }
        return records;
    }

    private static long paxNumber(String value) {
        try {
            long number = Long.parseLong(value);
            if (number >= 0) {
                return number;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw WorkspaceProblems.unreadableArchive("an extended header holds a damaged size.");
    }

    /** Octal digits padded with spaces or NULs, or GNU's base-256 for what octal cannot hold. */
    private static long number(byte[] header, int offset, int length) {
        if ((header[offset] & 0x80) != 0) {
            if ((header[offset] & 0x40) != 0) {
                throw WorkspaceProblems.unreadableArchive("a header holds a negative number.");
            }
            long value = header[offset] & 0x3F;
            for (int i = offset + 1; i < offset + length; i++) {
                if (value > Long.MAX_VALUE >> 8) {
                    return Long.MAX_VALUE;
                }
                value = value << 8 | header[i] & 0xFF;
            }
            return value;
        }
        int i = offset;
        int end = offset + length;
        while (i < end && header[i] == ' ') {
            i++;
        }
        long value = 0;
        for (; i < end && header[i] >= '0' && header[i] <= '7'; i++) {
            value = value << 3 | header[i] - '0';
        }
        for (; i < end; i++) {
            if (header[i] != ' ' && header[i] != 0) {
                throw WorkspaceProblems.unreadableArchive("a header holds a damaged number.");
            }
        }
        return value;
    }

    /** The sum of the header's bytes with the checksum field read as spaces; old tars summed them as signed bytes. */
    private static boolean checksumMatches(byte[] header) {
        long stored = number(header, CHECKSUM, CHECKSUM_LENGTH);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = i >= CHECKSUM && i < CHECKSUM + CHECKSUM_LENGTH ? (byte) ' ' : header[i];
            unsigned += b & 0xFF;
            signed += b;
        }
        return stored == unsigned || stored == signed;
    }

    private static String text(byte[] data, int offset, int length) {
        int end = offset;
        while (end < Math.min(data.length, offset + length) && data[end] != 0) {
            end++;
        }
        return new String(data, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static boolean isZeros(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static long padding(long length) {
        return (BLOCK - length % BLOCK) % BLOCK;
    }

    private int readFully(byte[] buffer) throws IOException {
        int total = 0;
        while (total < buffer.length) {
            int n = read(buffer, total, buffer.length - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private void skip(long count) throws IOException {
        byte[] scratch = new byte[8192];
        while (count > 0) {
            int n = read(scratch, 0, (int) Math.min(scratch.length, count));
            if (n < 0) {
                throw WorkspaceProblems.unreadableArchive("it ends in the middle of '" + name + "'.");
            }
            count -= n;
        }
    }

    private int read(byte[] buffer, int offset, int length) throws IOException {
        try {
            return tar.read(buffer, offset, length);
        } catch (ZipException | EOFException e) {
            throw WorkspaceProblems.unreadableArchive("its compressed data is damaged (" + e.getMessage() + ").");
        }
    }

    /** The current entry's bytes; closing it leaves the archive open for the next entry. */
    private final class Data extends BulkInputStream {

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = TarGzReader.this.read(buffer, offset, (int) Math.min(length, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
