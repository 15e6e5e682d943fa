package io.producttagger.training.data;

import java.util.Map;

/** Lets tests in other packages build zip fixtures. */
public final class DatasetArchiveTestAccess {

    private DatasetArchiveTestAccess() {}

    /** Builds a zip from entry names to contents. */
    public static byte[] zip(Map<String, byte[]> entries) {
        return DatasetArchiveTest.zip(entries);
    }

    /** Builds one ustar header (see {@code DatasetArchiveTest.tarHeader}). */
    public static byte[] tarHeader(String name, char type, long size, boolean goodChecksum) {
        return DatasetArchiveTest.tarHeader(name, type, size, goodChecksum);
    }
}
