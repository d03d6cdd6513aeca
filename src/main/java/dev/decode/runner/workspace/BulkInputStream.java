package dev.decode.runner.workspace;

import java.io.IOException;
import java.io.InputStream;

/** A stream that does its work in {@link #read(byte[], int, int)}; a single byte is read through it. */
abstract class BulkInputStream extends InputStream {

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public abstract int read(byte[] buffer, int offset, int length) throws IOException;
}
