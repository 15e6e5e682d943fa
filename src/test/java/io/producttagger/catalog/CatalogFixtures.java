package io.producttagger.catalog;

import io.producttagger.CommandRun;
import io.producttagger.TestSupport;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.Architecture;
import io.producttagger.model.ModelStore;
import io.producttagger.training.loop.Augmentation;
import io.producttagger.training.loop.ClassifierTrainer;
import io.producttagger.training.data.FashionMnist;
import io.producttagger.training.data.LabeledImages;
import io.producttagger.training.loop.ModelTraining;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Test fixtures for catalog runs: a tiny throwaway model trained once per test JVM (so the tests do not depend
 * on the committed model's accuracy), photo-like images from the committed Fashion-MNIST test set, and the
 * real CLI run in-process.
 */
final class CatalogFixtures {

    /** The tiny model's name. */
    static final String MODEL = "tiny";

    private static Path zoo;

    private CatalogFixtures() {}

    /** Returns a model zoo holding {@code tiny@1}, training it on first use (a few seconds). */
    static synchronized Path zoo() {
        TestSupport.offline();
        if (zoo == null) {
            try {
                Path dir = Files.createDirectories(Path.of("target/catalog-test-zoo"));
                Path fresh = Files.createTempDirectory(dir, "zoo-");
                LabeledImages data = TestSupport.fashionTest();
                var request = ModelTraining.Request.builder().setName(MODEL)
                        .setArchitecture(Architecture.vggBn(List.of(8, 16), 1, 0))
                        .setPreprocessing(FashionMnist.preprocessing(), FashionMnist.NORMALIZATION)
                        .setData(data.head(1000), data.select(java.util.stream.IntStream.range(1000, 1200).toArray()))
                        .optDataDescription(Map.of("dataset", "Fashion-MNIST test images 0-999 (throwaway test model)"))
                        .build();
                var settings = ClassifierTrainer.Settings.builder().setEpochs(2).setBatchSize(50).setLearningRate(0.05f)
                        .optMomentum(0.9f).optWeightDecay(5e-4f).optWarmupEpochs(1).optAugmentation(Augmentation.NONE)
                        .optSeed(7).build();
                new ModelTraining(new ModelStore(fresh)).trainAndPublish(request, settings,
                        new ClassifierTrainer.Listener() { }, () -> false);
                zoo = fresh;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return zoo;
    }

    /** Returns the configuration the tests use: the tiny model's zoo, and the test engine cache. */
    static TaggerConfig config(Map<String, String> more) {
        Map<String, String> flags = new java.util.LinkedHashMap<>(Map.of("model.zoo", zoo().toString(),
                "model.name", MODEL, "engine.cache", Path.of("target/djl-cache").toAbsolutePath().toString()));
        flags.putAll(more);
        return TaggerConfig.load(null, Map.of(), flags);
    }

    /**
     * Writes {@code n} photo-like images named {@code prefix-000.ext}, ... into a folder, cycling through the
     * first {@code distinct} test images (encoding is the slow part; copies are cheap).
     *
     * @return the files written, in name order
     */
    static List<Path> photos(Path dir, String prefix, int n, int distinct, int side, String ext) {
        try {
            Files.createDirectories(dir);
            LabeledImages data = TestSupport.fashionTest();
            List<byte[]> encoded = new ArrayList<>();
            for (int i = 0; i < Math.min(n, distinct); i++) {
                encoded.add(TestSupport.photo(data, i, side, "." + ext));
            }
            List<Path> files = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Path f = dir.resolve(String.format("%s-%04d.%s", prefix, i, ext));
                Files.write(f, encoded.get(i % encoded.size()));
                files.add(f);
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code product-tagger [config flags] tag ARGS} in this JVM, with the tiny model. */
    static CommandRun tag(String... args) {
        List<String> argv = new ArrayList<>();
        config(Map.of()); // trains the model if needed
        argv.addAll(List.of("--set", "model.zoo=" + zoo(), "--set", "model.name=" + MODEL, "--set",
                "engine.cache=" + Path.of("target/djl-cache").toAbsolutePath(), "tag"));
        argv.addAll(List.of(args));
        return CommandRun.of(io.producttagger.app.Main.commandLine(), argv);
    }

    /** Reads an output's lines (without the trailing empty one). */
    static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a CSV output's records after the header, as field lists. */
    static List<List<String>> csvRows(Path file) {
        try (var r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Csv.RecordReader records = new Csv.RecordReader(r);
            records.next();
            List<List<String>> rows = new ArrayList<>();
            for (List<String> rec = records.next(); rec != null; rec = records.next()) {
                rows.add(rec);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
