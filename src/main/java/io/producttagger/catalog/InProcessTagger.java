package io.producttagger.catalog;

import io.producttagger.model.BatchClassifier;
import io.producttagger.model.ServingModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Tags images in this process on {@link Lanes} (all cores by default): each lane thread takes the next batch of
 * waiting images, reads and decodes them, and scores them with its own {@link BatchClassifier} on one OpenMP
 * thread. {@link Lanes} says why that layout reaches the pipeline bound.
 */
public final class InProcessTagger implements Tagger {

    /**
     * How the lanes work and what they report.
     *
     * @param lanes lanes, batch, OpenMP threads and file size
     * @param topK labels per image
     * @param threshold lowest probability reported
     */
    public record Settings(Lanes.Settings lanes, int topK, double threshold) {
        /** Validates the settings. */
        public Settings {
            if (lanes == null || topK < 1) {
                throw new IllegalArgumentException("the lanes are required and top-k must be >= 1");
            }
        }

        /** Returns how many images a run should keep in flight ({@link Lanes.Settings#window()}). */
        public int window() {
            return lanes.window();
        }
    }

    private final ServingModel model;
    private final Settings settings;
    private final ImageFiles files;
    private final Lanes<CatalogItem, Tagging> lanes;

    /**
     * Starts the lanes over a loaded model; the caller keeps ownership of the model.
     *
     * @param model the model (pipeline + network)
     * @param settings lanes, batch and output settings
     */
    public InProcessTagger(ServingModel model, Settings settings) {
        this.model = model;
        this.settings = settings;
        this.files = new ImageFiles(settings.lanes().maxFileBytes());
        // a lane takes what waits, up to a batch: CatalogRun submits one image at a time
        this.lanes = new Lanes<>(model, settings.lanes(), "catalog-lane", settings.lanes().maxBatch(), this::run);
    }

    @Override
    public CompletableFuture<Tagging> tag(CatalogItem item) {
        return lanes.submit(item);
    }

    private void run(BatchClassifier classifier, List<Lanes.Job<CatalogItem, Tagging>> batch) {
        List<CompletableFuture<Tagging>> readable = new ArrayList<>(batch.size());
        List<byte[]> bytes = new ArrayList<>(batch.size());
        for (Lanes.Job<CatalogItem, Tagging> job : batch) {
            try {
                bytes.add(files.read(job.input()));
                readable.add(job.result());
            } catch (CatalogException.ImageFailed e) {
                job.result().completeExceptionally(e);
            }
        }
        List<BatchClassifier.Outcome> outcomes = classifier.classify(bytes, settings.topK(), settings.threshold());
        String name = model.manifest().name();
        String version = model.manifest().version();
        for (int i = 0; i < readable.size(); i++) {
            BatchClassifier.Outcome o = outcomes.get(i);
            if (o.isFailure()) {
                readable.get(i).completeExceptionally(new CatalogException.ImageFailed(o.error()));
            } else {
                readable.get(i).complete(new Tagging(o.labels(), name, version));
            }
        }
    }

    @Override
    public String describe() {
        Lanes.Settings l = settings.lanes();
        return model.id() + " in-process (" + l.lanes() + " lanes, batches of " + l.maxBatch() + ")";
    }

    @Override
    public void close() {
        lanes.close();
    }
}
