package dev.decode.runner.workspace;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * An archive's entries in their order, read from a file. {@link #next} ends the previous entry's content. What the
 * format cannot make sense of is refused with 400 invalid-request the moment it shows; the counts let the bomb
 * guards compare what was unpacked with what it took compressed.
 */
interface ArchiveReader extends Closeable {

    /** The next entry, or null after the last. */
    ArchiveEntry next() throws IOException;

    /** The current entry's content, checked while it is read: exactly its declared size, and its CRC where kept. */
    InputStream content() throws IOException;

    /** Bytes of the archive file read so far. */
    long compressedRead();

    /** Bytes unpacked so far, the format's own metadata included. */
    long unpackedRead();
}
