package io.producttagger.training.jobs;

import io.producttagger.training.data.DataRoot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deleting uploaded data sets never reaches outside {@code DATA_ROOT/uploads}. */
class UploadFoldersTest {

    @TempDir
    Path tmp;

    private Path data;
    private Path outside;
    private UploadFolders uploads;

    @BeforeEach
    void setUp() throws Exception {
        data = Files.createDirectories(tmp.resolve("data"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("precious.txt"), "keep me");
        Files.createDirectories(data.resolve("photos/bags"));
        Files.writeString(data.resolve("photos/bags/1.jpg"), "x");
        uploads = new UploadFolders(new DataRoot(data), false);
    }

    @Test
    void deletesAnUploadFolderWithEverythingInIt() throws Exception {
        Path folder = Files.createDirectories(uploads.folder("abc-123").resolve("shoes/boots"));
        Files.writeString(folder.resolve("1.jpg"), "x");
        assertTrue(uploads.delete("abc-123"));
        assertFalse(Files.exists(data.resolve("uploads/abc-123")));
        assertTrue(Files.isDirectory(data.resolve("uploads")), "the uploads folder itself stays");
        assertFalse(uploads.delete("abc-123"), "a second delete finds nothing");
    }

    @Test
    void idThatIsNotAPlainNameDeletesNothing() throws Exception {
        Files.createDirectories(data.resolve("uploads"));
        for (String id : Arrays.asList("..", ".", "", null, "../photos", "a/../../photos", "/tmp", "photos/..",
                "..\\photos", ".hidden")) {
            assertFalse(uploads.delete(id), "id " + id);
            assertFalse(UploadFolders.isId(id), "id " + id);
        }
        assertThrows(IllegalArgumentException.class, () -> uploads.folder("../photos"));
        assertTrue(Files.exists(data.resolve("photos/bags/1.jpg")));
        assertTrue(Files.isDirectory(data.resolve("uploads")));
    }

    @Test
    void linkInsideAnUploadIsRemovedButNotFollowed() throws Exception {
        Path folder = Files.createDirectories(uploads.folder("u1").resolve("shoes"));
        Files.createSymbolicLink(folder.resolve("boots"), outside);
        Files.createSymbolicLink(folder.resolve("file.jpg"), outside.resolve("precious.txt"));
        assertTrue(uploads.delete("u1"));
        assertFalse(Files.exists(uploads.folder("u1")));
        assertEquals("keep me", Files.readString(outside.resolve("precious.txt")));
    }

    @Test
    void uploadThatIsALinkLosesOnlyTheLink() throws Exception {
        Files.createDirectories(data.resolve("uploads"));
        Files.createSymbolicLink(uploads.folder("u2"), outside);
        uploads.delete("u2");
        assertFalse(Files.exists(uploads.folder("u2"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals("keep me", Files.readString(outside.resolve("precious.txt")));
    }

    @Test
    void uploadsFolderThatIsALinkIsNotEmptied() throws Exception {
        Path victim = Files.createDirectories(outside.resolve("u3"));
        Files.writeString(victim.resolve("1.jpg"), "x");
        Files.createSymbolicLink(data.resolve("uploads"), outside);
        assertFalse(uploads.delete("u3"));
        assertTrue(Files.exists(victim.resolve("1.jpg")));
    }

    @Test
    void missingDataRootDeletesNothingAndDoesNotThrow() {
        assertFalse(new UploadFolders(new DataRoot(tmp.resolve("nowhere")), false).delete("u4"));
    }
}
