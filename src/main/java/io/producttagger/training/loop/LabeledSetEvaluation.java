package io.producttagger.training.loop;

import io.producttagger.training.TrainingException;
import io.producttagger.training.data.LabeledFolderDataset;

import io.producttagger.model.LoadedModel;
import io.producttagger.model.ModelManifest;
import io.producttagger.vision.ImagePipeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Evaluates a model version on any labelled data set (a folder of label folders or a {@code path,label} CSV):
 * every image through the version's own decode + preprocessing, as serving sees it, scored in batches. Images
 * are streamed, so memory stays flat for any data set size; unreadable ones are listed, not counted.
 */
public final class LabeledSetEvaluation {

    /**
     * The outcome.
     *
     * @param evaluation top-1, top-3, per-label figures and the confusion matrix over the model's labels
     * @param skipped images that could not be read or decoded
     */
    public record Result(Evaluation evaluation, List<LabeledFolderDataset.Skipped> skipped) {}

    private static final int BATCH = 32;

    private final LoadedModel model;
    private final ImagePipeline pipeline;

    /** Creates an evaluation of a loaded model through the pipeline its manifest declares. */
    public LabeledSetEvaluation(LoadedModel model, ImagePipeline pipeline) {
        this.model = model;
        this.pipeline = pipeline;
    }

    /**
     * Evaluates on a data set whose labels are all among the model's.
     *
     * @param progress told the images done and the images in all after each batch
     * @throws TrainingException.Invalid when the data set has a label the model does not know
     */
    public Result run(Path dataset, BiConsumer<Integer, Integer> progress) {
        ModelManifest m = model.manifest();
        LabeledFolderDataset data = LabeledFolderDataset.open(dataset, m.labels());
        List<String> unknown = data.labels().stream().filter(l -> !m.labels().contains(l)).toList();
        if (!unknown.isEmpty()) {
            throw new TrainingException.Invalid("the data set has labels " + unknown + " that " + m.name() + "@"
                    + m.version() + " does not know; its labels are " + m.labels());
        }
        List<Path> files = new ArrayList<>();
        List<Integer> truth = new ArrayList<>();
        for (Map.Entry<String, List<Path>> e : data.files().entrySet()) {
            for (Path f : e.getValue()) {
                files.add(f);
                truth.add(m.labels().indexOf(e.getKey()));
            }
        }
        Evaluation.Accumulator acc = new Evaluation.Accumulator(m.labels());
        List<LabeledFolderDataset.Skipped> skipped = new ArrayList<>();
        int per = pipeline.inputSize();
        int labels = m.labels().size();
        try (LoadedModel.Scorer scorer = model.newScorer()) {
            for (int start = 0; start < files.size(); start += BATCH) {
                List<Path> batch = files.subList(start, Math.min(files.size(), start + BATCH));
                // decoding dominates for photos: decode the batch on every core, score it on this thread
                List<Object> decoded = batch.parallelStream()
                        .map(f -> data.read(f, bytes -> pipeline.process(bytes).tensor())).toList();
                float[] chw = new float[batch.size() * per];
                List<Integer> kept = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    if (decoded.get(i) instanceof float[] t) {
                        System.arraycopy(t, 0, chw, kept.size() * per, per);
                        kept.add(truth.get(start + i));
                    } else {
                        skipped.add((LabeledFolderDataset.Skipped) decoded.get(i));
                    }
                }
                if (!kept.isEmpty()) {
                    float[] scores = scorer.score(chw, kept.size());
                    for (int i = 0; i < kept.size(); i++) {
                        acc.add(kept.get(i), scores, i * labels);
                    }
                }
                progress.accept(start + batch.size(), files.size());
            }
        }
        return new Result(acc.result(), List.copyOf(skipped));
    }
}
