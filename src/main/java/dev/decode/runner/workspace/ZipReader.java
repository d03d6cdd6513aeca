package dev.decode.runner.workspace;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * A zip archive read through its central directory, the record that zip tools and java.util.zip's ZipFile trust:
 * names, sizes, CRCs and the Unix mode kept in the external attributes, which is where a symbolic link, device or pipe
 * shows and which java.util.zip does not expose. Each entry's data is found through its local header and inflated
 * with java.util.zip's Inflater. Zip64 records are read; several volumes, encryption and compression methods other
 * than deflate and none are refused as unreadable. Names are read as UTF-8, as ZipFile reads them.
 */
final class ZipReader implements ArchiveReader {

    private static final int END = 0x06054b50;
    private static final int END_SIZE = 22;
    private static final int MAX_COMMENT = 0xFFFF;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_LOCATOR_SIZE = 20;
    private static final int ZIP64_END = 0x06064b50;
    private static final int ZIP64_END_SIZE = 56;
    private static final int ZIP64_EXTRA = 0x0001;
    private static final int CENTRAL = 0x02014b50;
    private static final int CENTRAL_SIZE = 46;
    private static final int LOCAL = 0x04034b50;
    private static final int LOCAL_SIZE = 30;
    private static final long SATURATED = 0xFFFFFFFFL;
    private static final int STORED = 0;
    private static final int DEFLATED = 8;
    private static final int ENCRYPTED = 1;
    /** Hosts in "version made by" whose external attributes hold a Unix mode in their upper half: Unix and macOS. */
    private static final Set<Integer> UNIX_HOSTS = Set.of(3, 19);
    private static final int TYPE_MASK = 0170000;
    private static final int REGULAR = 0100000;
    private static final int DIRECTORY = 0040000;
    private static final int SYMBOLIC_LINK = 0120000;

    private record Central(String name, int flags, int method, long crc, long compressed, long size, long localOffset) {
    }

    private final FileChannel file;
    private final long fileSize;
    private long centralStart;
    private long centralEnd;
    private long cursor;
    private long entriesLeft;
    private Central current;
    private InputStream content;
    private long compressedRead;
    private long unpackedRead;

    ZipReader(Path archive) throws IOException {
        file = FileChannel.open(archive, StandardOpenOption.READ);
        try {
            fileSize = file.size();
            findCentralDirectory();
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    @Override
    public ArchiveEntry next() throws IOException {
        closeContent();
        if (entriesLeft == 0) {
            return null;
        }
        entriesLeft--;
        ByteBuffer header = central(cursor, CENTRAL_SIZE);
        if (header.getInt(0) != CENTRAL) {
            throw WorkspaceProblems.unreadableArchive("its central directory is damaged.");
        }
        int nameLength = u16(header, 28);
        int extraLength = u16(header, 30);
        ByteBuffer name = central(cursor + CENTRAL_SIZE, nameLength);
        ByteBuffer extra = central(cursor + CENTRAL_SIZE + nameLength, extraLength);
        cursor += CENTRAL_SIZE + nameLength + extraLength + u16(header, 32);
        long size = u32(header, 24);
        long compressed = u32(header, 20);
        long localOffset = u32(header, 42);
        if (size == SATURATED || compressed == SATURATED || localOffset == SATURATED) {
            ByteBuffer zip64 = zip64Fields(extra);
            int at = 0;
            if (size == SATURATED) {
                size = u64(zip64, at);
                at += 8;
            }
            if (compressed == SATURATED) {
                compressed = u64(zip64, at);
                at += 8;
            }
            if (localOffset == SATURATED) {
                localOffset = u64(zip64, at);
            }
        }
        String text = new String(name.array(), StandardCharsets.UTF_8);
        current = new Central(text, u16(header, 8), u16(header, 10), u32(header, 16), compressed, size, localOffset);
        return new ArchiveEntry(text, kind(u16(header, 4), u32(header, 38), text), size);
    }

    @Override
    public InputStream content() throws IOException {
        if (content != null) {
            return content;
        }
        Central entry = current;
        if ((entry.flags() & ENCRYPTED) != 0) {
            throw WorkspaceProblems.unreadableArchive("'" + entry.name() + "' is encrypted.");
        }
        ByteBuffer local = read(entry.localOffset(), LOCAL_SIZE);
        if (local.getInt(0) != LOCAL) {
            throw WorkspaceProblems.unreadableArchive("the data of '" + entry.name() + "' is missing.");
        }
        long start = entry.localOffset() + LOCAL_SIZE + u16(local, 26) + u16(local, 28);
        if (start + entry.compressed() > centralStart) {
            throw WorkspaceProblems.unreadableArchive("the data of '" + entry.name() + "' runs into the central directory.");
        }
        InputStream data = new Slice(start, entry.compressed());
        InputStream unpacked = switch (entry.method()) {
            case STORED -> {
                if (entry.compressed() != entry.size()) {
                    throw WorkspaceProblems.unreadableArchive("the sizes of '" + entry.name() + "' disagree.");
                }
                yield data;
            }
            case DEFLATED -> new Inflating(data);
            default -> throw WorkspaceProblems.unreadableArchive("'" + entry.name() + "' is compressed with method "
                    + entry.method() + "; only deflate and no compression are read.");
        };
        content = new EntryContent(unpacked, entry.name(), entry.size(), entry.crc(), n -> unpackedRead += n);
        return content;
    }

    @Override
    public long compressedRead() {
        return compressedRead;
    }

    @Override
    public long unpackedRead() {
        return unpackedRead;
    }

    @Override
    public void close() throws IOException {
        try {
            closeContent();
        } finally {
            file.close();
        }
    }

    /** A directory or link shows in the Unix mode; archives made elsewhere mark folders by a trailing '/'. */
    private static ArchiveEntry.Kind kind(int madeBy, long externalAttributes, String name) {
        int type = UNIX_HOSTS.contains(madeBy >>> 8) ? (int) (externalAttributes >>> 16) & TYPE_MASK : 0;
        if (type == SYMBOLIC_LINK) {
            return ArchiveEntry.Kind.LINK;
        }
        if (type != 0 && type != REGULAR && type != DIRECTORY) {
            return ArchiveEntry.Kind.SPECIAL;
        }
        return type == DIRECTORY || name.endsWith("/") ? ArchiveEntry.Kind.FOLDER : ArchiveEntry.Kind.FILE;
    }

    private void closeContent() throws IOException {
        if (content != null) {
            content.close();
            content = null;
        }
    }

    /** The end record is the last thing in the file, followed only by its comment. */
    private void findCentralDirectory() throws IOException {
        int tailLength = (int) Math.min(fileSize, END_SIZE + MAX_COMMENT);
        long tailStart = fileSize - tailLength;
        ByteBuffer tail = read(tailStart, tailLength);
        for (int at = tailLength - END_SIZE; at >= 0; at--) {
            if (tail.getInt(at) == END && at + END_SIZE + u16(tail, at + 20) <= tailLength) {
                readEnd(tail, at, tailStart + at);
                return;
            }
        }
        throw WorkspaceProblems.unreadableArchive("it has no zip central directory (is it a zip file?).");
    }

    private void readEnd(ByteBuffer end, int at, long endPosition) throws IOException {
        if (u16(end, at + 4) != 0 || u16(end, at + 6) != 0) {
            throw WorkspaceProblems.unreadableArchive("it spans several volumes.");
        }
        long entries = u16(end, at + 10);
        long size = u32(end, at + 12);
        long offset = u32(end, at + 16);
        long limit = endPosition;
        if (entries == 0xFFFF || size == SATURATED || offset == SATURATED) {
            ByteBuffer locator = read(endPosition - ZIP64_LOCATOR_SIZE, ZIP64_LOCATOR_SIZE);
            if (locator.getInt(0) != ZIP64_LOCATOR) {
                throw WorkspaceProblems.unreadableArchive("its Zip64 end record is missing.");
            }
            limit = u64(locator, 8);
            ByteBuffer end64 = read(limit, ZIP64_END_SIZE);
            if (end64.getInt(0) != ZIP64_END) {
                throw WorkspaceProblems.unreadableArchive("its Zip64 end record is damaged.");
            }
            entries = u64(end64, 32);
            size = u64(end64, 40);
            offset = u64(end64, 48);
        }
        if (offset + size > limit || offset + size < offset) {
            throw WorkspaceProblems.unreadableArchive("its central directory lies outside the file.");
        }
        centralStart = offset;
        centralEnd = offset + size;
        cursor = offset;
        entriesLeft = entries;
    }

    private ByteBuffer central(long position, int length) throws IOException {
        if (position + length > centralEnd) {
            throw WorkspaceProblems.unreadableArchive("its central directory is cut short.");
        }
        return read(position, length);
    }

    private ByteBuffer read(long position, int length) throws IOException {
        if (position < 0 || position + length > fileSize) {
            throw WorkspaceProblems.unreadableArchive("it ends early.");
        }
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (file.read(buffer, position + buffer.position()) < 0) {
                throw WorkspaceProblems.unreadableArchive("it ends early.");
            }
        }
        return buffer;
    }

    /** The Zip64 extra field holds, in this order, those of size, compressed size and offset that did not fit. */
    private static ByteBuffer zip64Fields(ByteBuffer extra) {
        int at = 0;
        while (at + 4 <= extra.capacity()) {
            int id = u16(extra, at);
            int length = u16(extra, at + 2);
            if (at + 4 + length > extra.capacity()) {
                break;
            }
            if (id == ZIP64_EXTRA) {
                return extra.slice(at + 4, length).order(ByteOrder.LITTLE_ENDIAN);
            }
            at += 4 + length;
        }
        throw WorkspaceProblems.unreadableArchive("a Zip64 entry lacks its sizes.");
    }

    private static int u16(ByteBuffer buffer, int at) {
        return buffer.getShort(at) & 0xFFFF;
    }

    private static long u32(ByteBuffer buffer, int at) {
        return buffer.getInt(at) & SATURATED;
    }

    private static long u64(ByteBuffer buffer, int at) {
        if (at + 8 > buffer.capacity()) {
            throw WorkspaceProblems.unreadableArchive("a Zip64 record is cut short.");
        }
        long value = buffer.getLong(at);
        if (value < 0) {
            throw WorkspaceProblems.unreadableArchive("a Zip64 record holds an impossible size.");
        }
        return value;
    }

    /** One entry's compressed bytes, read where its local header says they start. */
    private final class Slice extends BulkInputStream {

        private long position;
        private long left;

        Slice(long position, long length) {
            this.position = position;
            this.left = length;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = file.read(ByteBuffer.wrap(buffer, offset, (int) Math.min(length, left)), position);
            if (n < 0) {
                throw new EOFException("the file ends early");
            }
            position += n;
            left -= n;
            compressedRead += n;
            return n;
        }
    }

    /**
     * Raw deflate, as zip stores it. The Inflater may ask for one byte past the data to see its end (its nowrap mode
     * says so), which ZipFile gives it the same way.
     */
    private static final class Inflating extends InflaterInputStream {

        private boolean paddingGiven;

        Inflating(InputStream data) {
            super(data, new Inflater(true), 8192);
        }

        @Override
        protected void fill() throws IOException {
            len = in.read(buf, 0, buf.length);
            if (len < 0) {
                if (paddingGiven) {
                    throw new EOFException("the compressed data ends early");
                }
                paddingGiven = true;
                buf[0] = 0;
                len = 1;
            }
            inf.setInput(buf, 0, len);
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                inf.end();
            }
        }
    }
}
