package io.producttagger.training.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.ModelStore;
import io.producttagger.training.FineTuneFixtures;
import io.producttagger.training.TrainingException;
import io.producttagger.training.data.DatasetArchiveTestAccess;
import io.producttagger.training.loop.FineTune;
import io.producttagger.training.loop.FineTuneSettings;
import io.producttagger.vision.ImageDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FineTuneServiceTest {

    @TempDir
    Path tmp;

    private FineTuneService service(String... flags) {
        TestSupport.offline();
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        Map<String, String> set = new LinkedHashMap<>(Map.of("model.zoo", zoo.toString(), "finetune.data-root",
                tmp.resolve("data").toString()));
        for (int i = 0; i < flags.length; i += 2) {
            set.put(flags[i], flags[i + 1]);
        }
        TaggerConfig config = TaggerConfig.load(null, Map.of(), set);
        return new FineTuneService(config, new FineTune(new ModelStore(zoo),
                new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), config.fineTune().threads()));
    }

    private long uploads() throws Exception {
        Path uploads = tmp.resolve("data").resolve(UploadFolders.FOLDER);
        if (!Files.isDirectory(uploads)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(uploads)) {
            return s.count();
        }
    }

    @Test
    void settingsLeftOutComeFromTheFineTuneConfiguration() {
        FineTuneFixtures.photoSet(tmp.resolve("data").resolve("photos"), 10);
        try (FineTuneService service = service("finetune.epochs", "7", "finetune.head-only-epochs", "2",
                "finetune.base-model", "fashion")) {
            FineTuneJob job = service.submit("photos", FineTuneSettings.builder().optName("shoes").build());
            assertEquals(9, job.epochs(), "2 head-only and 7 whole-network epochs, as configured");
            assertEquals("fashion", job.request().get("baseModel"));
            assertEquals(16, job.request().get("batchSize"), "finetune.batch-size's default");
            service.cancel(job.id());
        }
    }

    @Test
    void aDataSetPathOutsideTheDataRootIsRefused() {
        try (FineTuneService service = service()) {
            TrainingException e = assertThrows(TrainingException.Invalid.class,
                    () -> service.submit("../zoo", FineTuneSettings.DEFAULTS));
            assertTrue(e.getMessage().contains("'..'"), e.getMessage());
        }
    }

    @Test
    void aBaseThatCannotNameAModelIsAnInvalidRequest() {
        FineTuneFixtures.photoSet(tmp.resolve("data").resolve("photos"), 10);
        try (FineTuneService service = service()) {
            TrainingException e = assertThrows(TrainingException.Invalid.class, () -> service.submit("photos",
                    FineTuneSettings.builder().optBaseModel("fashion@").optName("shoes").build()));
            assertTrue(e.getMessage().contains("unknown base model 'fashion@'"), e.getMessage());
        }
    }

    @Test
    void anArchiveWithABadSettingIsRefusedBeforeItIsUnpacked() throws Exception {
        byte[] zip = DatasetArchiveTestAccess.zip(Map.of("a/1.jpg", new byte[] {1}, "b/2.jpg", new byte[] {2}));
        try (FineTuneService service = service()) {
            assertThrows(TrainingException.Invalid.class, () -> service.submitArchive(zip,
                    FineTuneSettings.builder().optBaseModel("fashion").optEpochs(-1).build()));
            assertEquals(0, uploads(), "nothing was unpacked");
        }
    }

    @Test
    void anArchiveWhoseRequestCannotRunLeavesNoUploadBehind() throws Exception {
        // two labels of one unreadable image each: far below finetune.min-images-per-label
        byte[] zip = DatasetArchiveTestAccess.zip(Map.of("a/1.jpg", new byte[] {1}, "b/2.jpg", new byte[] {2}));
        try (FineTuneService service = service()) {
            TrainingException e = assertThrows(TrainingException.Invalid.class, () -> service.submitArchive(zip,
                    FineTuneSettings.builder().optBaseModel("fashion").optName("shoes").build()));
            assertTrue(e.getMessage().contains("10"), e.getMessage());
            assertEquals(0, uploads(), "the unpacked folder is deleted with the refusal");
        }
    }
}
