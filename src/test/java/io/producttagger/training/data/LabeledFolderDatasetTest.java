package io.producttagger.training.data;

import io.producttagger.training.FineTuneFixtures;
import io.producttagger.training.TrainingException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.vision.ImageDecoder;
import io.producttagger.vision.ImagePipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listing and reading label-folder and manifest data sets without ever reading outside them. */
class LabeledFolderDatasetTest {

    @TempDir
    Path tmp;

    @Test
    void labelFolderThatIsALinkToAFolderOutsideIsRefused() throws Exception {
        Path set = FineTuneFixtures.photoSet(tmp.resolve("data/set"), 2);
        Path outside = FineTuneFixtures.photoSet(tmp.resolve("outside"), 2);
        Files.createSymbolicLink(set.resolve("secrets"), outside.resolve("bags"));
        TrainingException e = assertThrows(TrainingException.Invalid.class,
                () -> LabeledFolderDataset.scan(set, List.of()));
        assertTrue(e.getMessage().contains("'secrets'") && e.getMessage().contains("symbolic link"), e.getMessage());
    }

    @Test
    void labelFolderSwappedForALinkAfterListingIsNotRead() throws Exception {
        TestSupport.offline();
        Path set = FineTuneFixtures.photoSet(tmp.resolve("data/set"), 2);
        Path outside = FineTuneFixtures.photoSet(tmp.resolve("outside"), 2);
        LabeledFolderDataset listed = LabeledFolderDataset.scan(set, List.of());
        Path bags = set.resolve("bags");
        try (var files = Files.list(bags)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(bags);
        Files.createSymbolicLink(bags, outside.resolve("bags"));
        ImagePipeline pipeline = new ImagePipeline(new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS),
                FashionMnist.preprocessing(), 28, 28, 1);
        LabeledFolderDataset.Loaded loaded = listed.load(pipeline, 28, 28, 1, () -> false);
        assertEquals(4, loaded.images().size(), "the two labels that are still real folders");
        assertEquals(2, loaded.skipped().size(), loaded.skipped().toString());
        assertTrue(loaded.skipped().stream().allMatch(s -> s.reason().contains("outside the data set")),
                loaded.skipped().toString());
    }

    /** Writes a manifest into a small photo set and returns the refusal's message. */
    private String manifestRefusal(String lines) throws Exception {
        Path set = FineTuneFixtures.photoSet(tmp.resolve("data/set"), 1);
        Path csv = set.resolve("m.csv");
        Files.writeString(csv, lines);
        return assertThrows(TrainingException.Invalid.class, () -> LabeledFolderDataset.scanManifest(csv, List.of()))
                .getMessage();
    }

    @Test
    void manifestNamingAMissingFileIsRefusedWhenScanned() throws Exception {
        String m = manifestRefusal("path,label\nbags/img0.jpg,bags\nsneakers/img0.jpg,sneakers\nsneakers/nope.jpg,sneakers\n");
        assertTrue(m.contains("line 4") && m.contains("does not exist"), m);
    }

    @Test
    void manifestNamingAFolderIsRefusedWhenScanned() throws Exception {
        String m = manifestRefusal("bags/img0.jpg,bags\nsneakers,sneakers\n");
        assertTrue(m.contains("line 2") && m.contains("not a regular file"), m);
    }
}
