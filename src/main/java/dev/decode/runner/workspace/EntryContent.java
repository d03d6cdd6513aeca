package dev.decode.runner.workspace;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;
import java.util.zip.CRC32;
import java.util.zip.ZipException;

/**
 * An entry's content as its archive declares it: exactly {@code size} bytes and, where the format keeps one, the
 * same CRC-32. A damaged archive, or one whose header understates what an entry unpacks to, is refused as soon as it
 * shows, before another byte is read.
 */
final class EntryContent extends BulkInputStream {

    static final long NO_CRC = -1;

    private final InputStream source;
    private final String name;
    private final long size;
    private final long crc;
    private final LongConsumer unpacked;
    private final CRC32 checksum = new CRC32();
    private long read;

    EntryContent(InputStream source, String name, long size, long crc, LongConsumer unpacked) {
        this.source = source;
        this.name = name;
        this.size = size;
        this.crc = crc;
        this.unpacked = unpacked;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n;
        try {
            n = source.read(buffer, offset, length);
        } catch (ZipException | EOFException e) {
            throw WorkspaceProblems.unreadableArchive("'" + name + "' is damaged (" + e.getMessage() + ").");
        }
        if (n < 0) {
            checkEnd();
            return -1;
        }
        read += n;
        unpacked.accept(n);
        if (read > size) {
            throw WorkspaceProblems.unreadableArchive("'" + name + "' holds more than the " + size + " bytes its header declares.");
        }
        checksum.update(buffer, offset, n);
        return n;
    }

    private void checkEnd() {
        if (read < size) {
            throw WorkspaceProblems.unreadableArchive("'" + name + "' ends after " + read + " of its " + size + " bytes.");
        }
        if (crc != NO_CRC && checksum.getValue() != crc) {
            throw WorkspaceProblems.unreadableArchive("'" + name + "' is damaged (its CRC-32 does not match).");
        }
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
