package dev.decode.runner.workspace;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** The archive formats {@code PUT /api/v1/workspace} reads, told apart by the body's media type. */
enum ArchiveFormat {

    ZIP,
    TAR_GZ;

    static final String ZIP_TYPE = "application/zip";
    /** What browsers on Windows send for a .zip file. */
    static final String ZIP_WINDOWS_TYPE = "application/x-zip-compressed";
    static final String GZIP_TYPE = "application/gzip";
    static final String GZIP_OLD_TYPE = "application/x-gzip";

    /** {@code contentType} is one that the resource consumes; parameters are ignored. */
    static ArchiveFormat of(String contentType) {
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return switch (type) {
            case ZIP_TYPE, ZIP_WINDOWS_TYPE -> ZIP;
            case GZIP_TYPE, GZIP_OLD_TYPE -> TAR_GZ;
            default -> throw new IllegalArgumentException("not an archive media type: " + type);
        };
    }

    /** Blocking. */
    ArchiveReader open(Path archive) throws IOException {
        return this == ZIP ? new ZipReader(archive) : new TarGzReader(archive);
    }
}
