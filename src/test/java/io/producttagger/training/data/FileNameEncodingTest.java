package io.producttagger.training.data;

import io.producttagger.training.TrainingException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archive entries with non-ASCII names: unpacked under a UTF-8 locale, a 422 that says what to do under
 * {@code LANG=C} (where the JVM cannot turn them into paths), never an {@code InvalidPathException} 500. The
 * build runs this class under both (the {@code c-locale} surefire execution).
 */
class FileNameEncodingTest {

    @TempDir
    Path tmp;

    private static boolean utf8FileNames() {
        return "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"));
    }

    @Test
    void theCLocaleRunReallyHasAsciiFileNames() {
        assumeTrue(Boolean.getBoolean("tagger.c-locale"), "only in the c-locale execution");
        assertNotEquals("UTF-8", System.getProperty("sun.jnu.encoding"), "LANG=C reached the JVM");
    }

    @Test
    void nonAsciiEntryNamesUnpackUnderUtf8AndAreA422UnderLangC() {
        byte[] zip = DatasetArchiveTest.zip(Map.of("\u00e9t\u00e9/1.jpg", new byte[] {1}, "\u65e5/2.jpg",
                new byte[] {2}));
        DatasetArchive archive = new DatasetArchive(10, 1000);
        if (utf8FileNames()) {
            Path out = archive.unpack(zip, tmp.resolve("u"));
            assertTrue(Files.isRegularFile(out.resolve("\u00e9t\u00e9/1.jpg")));
        } else {
            TrainingException e = assertThrows(TrainingException.Invalid.class,
                    () -> archive.unpack(zip, tmp.resolve("u")));
            assertTrue(e.getMessage().contains("LANG=C.UTF-8"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("u")), "nothing left behind");
        }
    }

    @Test
    void nonAsciiDataSetPathIsAnswerNotAFailure() {
        DataRoot root = new DataRoot(tmp);
        if (utf8FileNames()) {
            assertTrue(root.resolve("\u00e9t\u00e9").endsWith("\u00e9t\u00e9"));
        } else {
            assertThrows(TrainingException.Invalid.class, () -> root.resolve("\u00e9t\u00e9"));
        }
    }
}
