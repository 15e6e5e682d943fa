package io.producttagger.model;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import io.producttagger.vision.ImageDecoder;
import io.producttagger.vision.ImagePipeline;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One model version loaded into MXNet through DJL {@link Criteria}, with its manifest.
 *
 * <p>The network is loaded once; each inference thread gets its own {@link Scorer} (a DJL predictor), as
 * MXNet predictors are not shared between threads.
 */
public final class LoadedModel implements AutoCloseable {

    private final ModelManifest manifest;
    private final ModelOutput output;
    private final ZooModel<TensorBatchTranslator.Input, float[]> model;

    private LoadedModel(ModelManifest manifest, ModelOutput output,
            ZooModel<TensorBatchTranslator.Input, float[]> model) {
        this.manifest = manifest;
        this.output = output;
        this.model = model;
    }

    /** Loads a version from its folder to answer label scores, rebuilding the block its manifest declares. */
    public static LoadedModel load(ModelStore store, String name, String version) {
        return load(store, name, version, ModelOutput.LABEL_SCORES);
    }

    /**
     * Loads a version from its folder to answer {@code output}, rebuilding the block its manifest declares.
     *
     * <p>A family with a graph form ({@link Architecture#writeFeatures}: the colour MobileNets) then runs as one
     * MXNet graph over the same arrays ({@link GraphNetwork}), several times faster than its imperative block and
     * equal to it within float rounding; other families run their block as it is.
     *
     * <p>The parameters always load into the block they were saved from (a backbone's features, or a classifier's
     * features and head); an {@link ModelOutput#EMBEDDING embedding} then runs only the features block, whose
     * arrays are those just loaded, and its translator normalises instead of taking the softmax.
     */
    public static LoadedModel load(ModelStore store, String name, String version, ModelOutput output) {
        return load(store, name, version, output, Execution.GRAPH);
    }

    /**
     * How a loaded version runs its network: as one MXNet graph where its family has a graph form (the default
     * everywhere), or as the family's imperative block (to compare the two, e.g. {@code bench --execution}).
     */
    public enum Execution {
        /** One MXNet graph with MKL-DNN fusion ({@link GraphNetwork}) when the family writes one, else the block. */
        GRAPH,
        /** The family's imperative DJL block, operator by operator (what training runs). */
        BLOCK
    }

    /**
     * Loads a version as {@link #load(ModelStore, String, String, ModelOutput)} does, running it as
     * {@code execution} says.
     */
    public static LoadedModel load(ModelStore store, String name, String version, ModelOutput output,
            Execution execution) {
        ModelManifest manifest = store.manifest(name, version);
        if (manifest.isBackbone() && output == ModelOutput.LABEL_SCORES) {
            throw new ModelException.NotServable("model '" + name + "@" + version + "' is a backbone without labels: "
                    + "fine-tune it on labelled images (POST /admin/v1/fine-tunes or train --base " + name
                    + ") and tag with the result");
        }
        Path dir = store.versionDir(name, version);
        Criteria<TensorBatchTranslator.Input, float[]> criteria = Criteria.builder()
                .setTypes(TensorBatchTranslator.Input.class, float[].class)
                .optModelPath(dir)
                .optModelName(manifest.parameters())
                .optEngine(Architecture.ENGINE)
                .optBlock(manifest.isBackbone() ? manifest.architecture().buildFeatures()
                        : manifest.architecture().build(manifest.labels().size()))
                .optTranslator(new TensorBatchTranslator(manifest.input(), output))
                .build();
        try {
            ZooModel<TensorBatchTranslator.Input, float[]> zoo = criteria.loadModel();
            Block imperative = output != ModelOutput.LABEL_SCORES && !manifest.isBackbone()
                    ? Architecture.features(zoo.getBlock()) : zoo.getBlock();
            try {
                int labels = output == ModelOutput.LABEL_SCORES ? manifest.labels().size() : 0;
                Block running;
                if (output == ModelOutput.DUPLICATES) {
                    running = GraphNetwork.duplicates(manifest.architecture(), imperative, manifest.input(),
                            zoo.getNDManager()).map(Block.class::cast).orElseThrow(() ->
                                    new ModelException.NotServable("model '" + name + "@" + version + "' ("
                                    + manifest.architecture().getClass().getSimpleName() + ") has no near-duplicate "
                                    + "descriptor: dedupe with a MobileNetV2 model, e.g. mobilenetv2-imagenet"));
                } else {
                    running = execution == Execution.BLOCK ? imperative : GraphNetwork.of(manifest.architecture(),
                            imperative, labels, manifest.input(), zoo.getNDManager()).map(Block.class::cast)
                            .orElse(imperative);
                }
                zoo.getWrappedModel().setBlock(running);
            } catch (RuntimeException e) {
                zoo.close();
                throw e;
            }
            LoadedModel loaded = new LoadedModel(manifest, output, zoo);
            loaded.settleWeights();
            return loaded;
        } catch (IOException | ai.djl.ModelException e) {
            throw new ModelException("cannot load " + name + "@" + version + " from " + dir + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * Runs one inference on the loading thread before any other thread can see this version.
     *
     * <p>MXNet's MKL-DNN convolution moves a weight array into its own blocked layout in place on the first
     * inference that uses it (so later ones skip the conversion). Under the NaiveEngine nothing orders that move
     * against another thread's inference: two threads starting on a fresh version at once read weights half
     * moved and answered wrong labels (a Spark job's two tasks did; {@code LoadedModelTest} forces it). After this
     * one pass every weight has its final layout and predictors only read the shared arrays.
     *
     * <p>A {@link GraphNetwork graph} needs the pass too, for another reason: its first inference creates the
     * cached op that all predictors share (DJL does that under a lock, but only once the pass has run does no
     * request wait for it). Its fused convolutions copy the weights into their own blocked buffers
     * ({@code MKLDNN_VERBOSE} shows each weight reordered from the plain layout every time an op state is set up)
     * rather than move them in place, so the shared arrays are only read.
     */
    private void settleWeights() {
        ModelManifest.InputSpec in = manifest.input();
        try (Scorer scorer = newScorer()) {
            scorer.score(new float[in.channels() * in.width() * in.height()], 1);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Returns the manifest. */
    public ModelManifest manifest() {
        return manifest;
    }

    /** Returns what this loaded version answers per image. */
    public ModelOutput output() {
        return output;
    }

    /**
     * Returns this version's image pipeline: the decoder in front of the preprocessing its manifest declares,
     * at its input size. Every way of tagging builds its pipeline here, so they all see the same pixels.
     */
    public ImagePipeline pipeline(ImageDecoder decoder) {
        ModelManifest.InputSpec in = manifest.input();
        return new ImagePipeline(decoder, manifest.preprocessing(), in.width(), in.height(), in.channels());
    }

    /** Creates a scorer for the calling thread. */
    public Scorer newScorer() {
        return new Scorer(model.newPredictor());
    }

    /** Runs batches through the network on one thread; not thread-safe, one per worker. */
    public final class Scorer implements AutoCloseable {
        private final Predictor<TensorBatchTranslator.Input, float[]> predictor;

        private Scorer(Predictor<TensorBatchTranslator.Input, float[]> predictor) {
            this.predictor = predictor;
        }

        /**
         * Scores {@code count} preprocessed images.
         *
         * @param chw the images' CHW floats back to back (may be longer than needed)
         * @return {@code count * labels} softmax probabilities, or {@code count * dimension} embedding values
         *     (each image's vector of length 1), as {@link #output()} says
         */
        public float[] score(float[] chw, int count) {
            int per = manifest.input().channels() * manifest.input().width() * manifest.input().height();
            float[] exact = chw.length == count * per ? chw : java.util.Arrays.copyOf(chw, count * per);
            try {
                return predictor.predict(new TensorBatchTranslator.Input(exact, count));
            } catch (TranslateException e) {
                throw new ModelException("inference failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            predictor.close();
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
