package dev.decode.runner.workspace;

/** One entry of an archive as its format describes it, before any rule has looked at it. */
record ArchiveEntry(String name, Kind kind, long size) {

    enum Kind {
        FILE,
        FOLDER,
        /** A symbolic or hard link. */
        LINK,
        /** A device, pipe or socket. */
        SPECIAL
    }
}
