package io.producttagger.training.loop;

import io.producttagger.training.data.FashionMnist;
import io.producttagger.training.data.LabeledImages;
import io.producttagger.training.data.PhotoSetGenerator;

import io.producttagger.model.EngineEnvironment;
import io.producttagger.model.LoadedModel;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import io.producttagger.vision.ImageDecoder;
import io.producttagger.vision.ImagePipeline;
import io.producttagger.vision.Normalization;
import io.producttagger.vision.PreprocessingStep;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Measures how well the vision pipeline brings photos into a model's domain: top-1 accuracy on a photo set
 * (every file through decode and the manifest's preprocessing) next to top-1 on the same images' raw
 * tensors. Photo {@code i} of the set must show raw image {@code i}, as {@link PhotoSetGenerator} writes.
 */
public final class PhotoSetEvaluation {

    /**
     * The two accuracies and the pipeline's mean timings.
     *
     * @param count images compared
     * @param photoTop1 top-1 accuracy on the photos, in [0, 1]
     * @param rawTop1 top-1 accuracy on the raw tensors of the same images, in [0, 1]
     * @param meanDecodeMs mean decode time per photo
     * @param meanPreprocessMs mean preprocessing time per photo
     */
    public record Result(int count, double photoTop1, double rawTop1, double meanDecodeMs,
            double meanPreprocessMs) {

        /** Returns raw minus photo accuracy, in percentage points. */
        public double gapPoints() {
            return (rawTop1 - photoTop1) * 100;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                    "%d images: photos top-1 %.2f%%, raw tensors top-1 %.2f%%, gap %.2f points;"
                            + " decode %.2f ms, preprocess %.2f ms per photo",
                    count, photoTop1 * 100, rawTop1 * 100, gapPoints(), meanDecodeMs, meanPreprocessMs);
        }
    }

    private static final int BATCH = 100;

    private final LoadedModel model;
    private final ImagePipeline pipeline;

    /** Creates an evaluation of a loaded model through the preprocessing its manifest declares. */
    public PhotoSetEvaluation(LoadedModel model, long maxPixels) {
        this.model = model;
        ModelManifest m = model.manifest();
        this.pipeline = new ImagePipeline(new ImageDecoder(maxPixels), m.preprocessing(), m.input().width(),
                m.input().height(), m.input().channels());
    }

    /**
     * Scores the photos listed in {@code dir/labels.csv} and the first as many raw images.
     *
     * @param raw the data set the photos were made from, in the same order
     */
    public Result evaluate(Path dir, LabeledImages raw) {
        List<String> lines = readLabels(dir);
        int n = Math.min(lines.size(), raw.size());
        int per = pipeline.inputSize();
        Normalization rawNorm = rawNormalization(model.manifest());
        float[] photos = new float[BATCH * per];
        float[] tensors = new float[BATCH * per];
        int photoHits = 0;
        int rawHits = 0;
        double decodeMs = 0;
        double preMs = 0;
        try (LoadedModel.Scorer scorer = model.newScorer()) {
            for (int start = 0; start < n; start += BATCH) {
                int k = Math.min(BATCH, n - start);
                int[] labels = new int[k];
                for (int j = 0; j < k; j++) {
                    String[] row = lines.get(start + j).split(",", 2);
                    labels[j] = raw.labelNames().indexOf(unquote(row[1]));
                    if (labels[j] != raw.labels()[start + j]) {
                        throw new IllegalStateException(row[0] + " is labelled '" + row[1]
                                + "' but raw image " + (start + j) + " is " + raw.labelNames().get(
                                        raw.labels()[start + j]) + ": the photo set does not match the data");
                    }
                    ImagePipeline.Processed p = pipeline.process(read(dir.resolve(row[0])));
                    System.arraycopy(p.tensor(), 0, photos, j * per, per);
                    decodeMs += p.decodeMs();
                    preMs += p.preprocessMs();
                    rawNorm.toChw(raw.pixels(), (start + j) * raw.imageBytes(), raw.width(), raw.height(), tensors,
                            j * per);
                }
                photoHits += hits(scorer.score(photos, k), labels, raw.labelNames().size());
                rawHits += hits(scorer.score(tensors, k), labels, raw.labelNames().size());
            }
        }
        return new Result(n, photoHits / (double) n, rawHits / (double) n, decodeMs / n, preMs / n);
    }

    private static Normalization rawNormalization(ModelManifest m) {
        List<PreprocessingStep> steps = m.preprocessing();
        PreprocessingStep last = steps.isEmpty() ? PreprocessingStep.of(Normalization.OP) : steps.get(steps.size() - 1);
        return Normalization.from(Normalization.OP.equals(last.op()) ? last : PreprocessingStep.of(Normalization.OP),
                m.input().channels());
    }

    private static int hits(float[] probs, int[] labels, int classes) {
        int hits = 0;
        for (int i = 0; i < labels.length; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (probs[i * classes + c] > probs[i * classes + best]) {
                    best = c;
                }
            }
            hits += best == labels[i] ? 1 : 0;
        }
        return hits;
    }

    private static List<String> readLabels(Path dir) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve(PhotoSetGenerator.LABELS_CSV));
            return lines.subList(1, lines.size()).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve(PhotoSetGenerator.LABELS_CSV), e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String unquote(String s) {
        return s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1).replace("\"\"", "\"") : s;
    }

    /**
     * Command line: {@code [--zoo DIR] [--model NAME] [--version V] [--photos DIR] [--count N] [--seed S]
     * [--data DIR]}; generates the photo set first when {@code --photos} holds none. Defaults:
     * {@code model-zoo}, {@code fashion}, the serving version, {@code target/photo-set}, 10000, 42,
     * {@code test-images/fashion-mnist}.
     */
    public static void main(String[] args) {
        // The same engine cache as the CLI default (config key engine.cache), so the natives are extracted once.
        EngineEnvironment.prepare(Path.of(System.getProperty("user.home"), ".cache", "product-tagger", "djl"));
        Path zoo = Path.of("model-zoo");
        String name = "fashion";
        String version = null;
        Path photos = Path.of("target/photo-set");
        Path data = Path.of("test-images/fashion-mnist");
        int count = 10_000;
        long seed = 42;
        for (int i = 0; i < args.length; i += 2) {
            String v = PhotoSetGenerator.required(args[i], i + 1 < args.length ? args[i + 1] : null);
            switch (args[i]) {
                case "--zoo" -> zoo = Path.of(v);
                case "--model" -> name = v;
                case "--version" -> version = v;
                case "--photos" -> photos = Path.of(v);
                case "--data" -> data = Path.of(v);
                case "--count" -> count = Integer.parseInt(v);
                case "--seed" -> seed = Long.parseLong(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        LabeledImages raw = FashionMnist.test(data).head(count);
        if (!Files.isRegularFile(photos.resolve(PhotoSetGenerator.LABELS_CSV))) {
            System.out.println("generating " + raw.size() + " photos into " + photos + " (seed " + seed + ")");
            new PhotoSetGenerator(seed).write(raw, raw.size(), photos);
        }
        ModelStore store = new ModelStore(zoo);
        String v = version != null ? version : store.resolveVersion(name);
        try (LoadedModel model = LoadedModel.load(store, name, v)) {
            System.out.println(name + "@" + v + ": " + new PhotoSetEvaluation(model, ImageDecoder.DEFAULT_MAX_PIXELS)
                    .evaluate(photos, raw));
        }
    }
}
