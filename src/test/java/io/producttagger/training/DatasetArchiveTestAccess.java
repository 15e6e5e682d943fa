package io.producttagger.training;

import java.util.Map;

/** Lets tests in other packages build zip fixtures. */
public final class DatasetArchiveTestAccess {

    private DatasetArchiveTestAccess() {}

    /** Builds a zip from entry names to contents. */
    public static byte[] zip(Map<String, byte[]> entries) {
        return DatasetArchiveTest.zip(entries);
    }
}
