package io.producttagger.model;

import io.producttagger.vision.ImageDecoder;
import io.producttagger.vision.ImagePipeline;
import io.producttagger.vision.VisionException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes, preprocesses and scores batches of encoded images on the calling thread with that thread's own
 * predictor: the unit of work of bulk tagging, in the CLI's lanes and in the Spark job's tasks alike.
 *
 * <p>Bulk tagging has no latency to protect, only throughput: a thread that decodes its batch and then scores
 * it keeps exactly one runnable thread per core, where a decode pool in front of {@link InferencePool}'s worker
 * would time-share the cores between the two and stall MXNet's OpenMP barriers whenever one of its threads is
 * descheduled. Decoding goes through the model's own {@link ImagePipeline} and ranking through
 * {@link LabelScore#top}, so the labels are those the server gives. Not thread-safe: one per thread, closed by it.
 */
public final class BatchClassifier implements AutoCloseable {

    /**
     * What became of one image.
     *
     * @param labels the best labels, best first (empty when the image failed)
     * @param error why the image could not be decoded, or null
     */
    public record Outcome(List<LabelScore> labels, String error) {
        /** Copies the labels. */
        public Outcome {
            labels = List.copyOf(labels);
        }

        /** Returns whether the image failed. */
        public boolean isFailure() {
            return error != null;
        }
    }

    private final LoadedModel model;
    private final ImagePipeline pipeline;
    private final LoadedModel.Scorer scorer;
    private final int maxBatch;
    private final int imageFloats;
    private final float[] input;

    /**
     * Creates a classifier for the calling thread.
     *
     * @param model the loaded version (stays open; shared by every thread's classifier)
     * @param pipeline the version's pipeline ({@link LoadedModel#pipeline})
     * @param maxBatch most images per inference call
     */
    BatchClassifier(LoadedModel model, ImagePipeline pipeline, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1");
        }
        this.model = model;
        this.pipeline = pipeline;
        this.maxBatch = maxBatch;
        this.imageFloats = pipeline.inputSize();
        this.input = new float[maxBatch * imageFloats];
        this.scorer = model.newScorer();
    }

    /**
     * Creates a classifier for the calling thread over a loaded version.
     *
     * @param model the loaded version (stays open)
     * @param decoder decodes the images (its pixel limit applies)
     * @param maxBatch most images per inference call
     */
    public static BatchClassifier over(LoadedModel model, ImageDecoder decoder, int maxBatch) {
        return new BatchClassifier(model, model.pipeline(decoder), maxBatch);
    }

    /** Returns the manifest of the version it scores with. */
    public ModelManifest manifest() {
        return model.manifest();
    }

    /**
     * Decodes and preprocesses one image into the model's input tensor.
     *
     * @throws VisionException when the bytes are not an image this pipeline can decode
     */
    public float[] prepare(byte[] encoded) {
        return pipeline.process(encoded).tensor();
    }

    /**
     * Scores preprocessed images, {@code maxBatch} at a time.
     *
     * @return one array of probabilities per tensor, in order
     * @throws ModelException when inference fails (not the images' fault)
     */
    public List<float[]> score(List<float[]> tensors) {
        List<float[]> out = new ArrayList<>(tensors.size());
        for (int from = 0; from < tensors.size(); from += maxBatch) {
            int n = Math.min(maxBatch, tensors.size() - from);
            for (int i = 0; i < n; i++) {
                System.arraycopy(tensors.get(from + i), 0, input, i * imageFloats, imageFloats);
            }
            float[] scores = scorer.score(input, n);
            int labels = scores.length / n;
            for (int i = 0; i < n; i++) {
                out.add(Arrays.copyOfRange(scores, i * labels, (i + 1) * labels));
            }
        }
        return out;
    }

    /**
     * Tags encoded images: each is decoded on its own (a broken one gets its error and does not stop the others),
     * the decodable ones are scored together.
     *
     * @return one outcome per image, in order
     * @throws ModelException when inference fails
     */
    public List<Outcome> classify(List<byte[]> images, int topK, double threshold) {
        Outcome[] outcomes = new Outcome[images.size()];
        List<float[]> tensors = new ArrayList<>(images.size());
        int[] index = new int[images.size()];
        for (int i = 0; i < images.size(); i++) {
            try {
                tensors.add(prepare(images.get(i)));
                index[tensors.size() - 1] = i;
            } catch (VisionException e) {
                outcomes[i] = new Outcome(List.of(), e.getMessage());
            }
        }
        List<float[]> scores = score(tensors);
        List<String> labels = model.manifest().labels();
        for (int j = 0; j < scores.size(); j++) {
            outcomes[index[j]] = new Outcome(LabelScore.top(labels, scores.get(j), topK, threshold), null);
        }
        return Arrays.asList(outcomes);
    }

    /** Frees this thread's predictor; the model stays open. */
    @Override
    public void close() {
        scorer.close();
    }
}
