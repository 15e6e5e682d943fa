package io.producttagger.model;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import io.producttagger.vision.ImageDecoder;
import io.producttagger.vision.ImagePipeline;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.function.Function;

/**
 * One model version loaded into MXNet through DJL {@link Criteria}, with its manifest.
 *
 * <p>The parameters are loaded once; each inference thread gets its own {@link Scorer} (a DJL predictor), as
 * MXNet predictors are not shared between threads. A family that runs as a {@link GraphNetwork graph} gives each
 * scorer a graph of its own as well: its own cached op over its own copy of the arrays. MXNet documents its cached
 * op as not thread-safe, and two inference workers sharing one crashed the server (SIGSEGV in
 * {@code MXInvokeCachedOpEx} under HTTP load with {@code inference.workers=2}). A closed scorer's graph waits for the
 * next scorer, so there are as many graphs as threads that ever scored at once (each about the size of the
 * parameters, 14 MB for {@code mobilenetv2-imagenet}), and a short-lived scorer (a Spark task's) does not build one.
 */
public final class LoadedModel implements AutoCloseable {

    private final ModelManifest manifest;
    private final ModelOutput output;
    private final ZooModel<TensorBatchTranslator.Input, float[]> model;
    /** Builds a scorer's own graph in the manager given, or null when every scorer runs the model's block. */
    private final Function<NDManager, Block> graphs;
    /** Graphs whose scorer closed, for the next one; guarded by itself. */
    private final Deque<OwnGraph> idle = new ArrayDeque<>();

    /** A scorer's graph and the manager its symbol, cached op and arrays live in. */
    private record OwnGraph(NDManager manager, Block block) {}

    private LoadedModel(ModelManifest manifest, ModelOutput output,
            ZooModel<TensorBatchTranslator.Input, float[]> model, Function<NDManager, Block> graphs) {
        this.manifest = manifest;
        this.output = output;
        this.model = model;
        this.graphs = graphs;
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
            zoo.getWrappedModel().setBlock(imperative);
            int labels = output == ModelOutput.LABEL_SCORES ? manifest.labels().size() : 0;
            Function<NDManager, Optional<Block>> graph = output == ModelOutput.DUPLICATES
                    ? manager -> GraphNetwork.duplicates(manifest.architecture(), imperative, manifest.input(),
                            manifest.normalization(), manager, true).map(Block.class::cast)
                    : manager -> GraphNetwork.of(manifest.architecture(), imperative, labels, manifest.input(),
                            manager, true).map(Block.class::cast);
            // the first graph tells whether the family has a graph form at all; the duplicate descriptor has no other
            Optional<OwnGraph> first = Optional.empty();
            if (execution == Execution.GRAPH || output == ModelOutput.DUPLICATES) {
                NDManager manager = zoo.getNDManager().newSubManager();
                try {
                    first = graph.apply(manager).map(block -> new OwnGraph(manager, block));
                    if (first.isEmpty()) {
                        manager.close();
                    }
                    if (first.isEmpty() && output == ModelOutput.DUPLICATES) {
                        throw new ModelException.NotServable("model '" + name + "@" + version + "' ("
                                + manifest.architecture().getClass().getSimpleName() + ") has no near-duplicate "
                                + "descriptor: dedupe with a MobileNetV2 model, e.g. mobilenetv2-imagenet");
                    }
                } catch (RuntimeException e) {
                    zoo.close();
                    throw e;
                }
            }
            LoadedModel loaded = new LoadedModel(manifest, output, zoo,
                    first.isPresent() ? manager -> graph.apply(manager).orElseThrow() : null);
            first.ifPresent(loaded.idle::push);
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
     * <p>For a {@link GraphNetwork graph} the pass builds the first scorer's graph and its cached op, which the next
     * scorer (a server's first worker) takes over, so no request waits for them. Each graph has its own copy of the
     * arrays, and the block's are never run.
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

    /** Creates a scorer for the calling thread, with a graph no other open scorer uses. */
    public Scorer newScorer() {
        if (graphs == null) {
            return new Scorer(model.newPredictor(), null);
        }
        OwnGraph graph;
        synchronized (idle) {
            graph = idle.poll();
        }
        if (graph == null) {
            NDManager manager = model.getNDManager().newSubManager();
            try {
                graph = new OwnGraph(manager, graphs.apply(manager));
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
        }
        return new Scorer(new GraphPredictor(model, graph.block()), graph);
    }

    /** A DJL predictor over a scorer's own graph instead of the model's block. */
    private static final class GraphPredictor extends Predictor<TensorBatchTranslator.Input, float[]> {
        GraphPredictor(ZooModel<TensorBatchTranslator.Input, float[]> model, Block graph) {
            super(model, model.getTranslator(), model.getNDManager().getDevice(), false);
            this.block = graph;
        }
    }

    /** Runs batches through the network on one thread; not thread-safe, one per worker. */
    public final class Scorer implements AutoCloseable {
        private final Predictor<TensorBatchTranslator.Input, float[]> predictor;
        private final OwnGraph graph;

        private Scorer(Predictor<TensorBatchTranslator.Input, float[]> predictor, OwnGraph graph) {
            this.predictor = predictor;
            this.graph = graph;
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
            if (graph != null) {
                synchronized (idle) {
                    idle.push(graph);
                }
            }
        }
    }

    /** Closes the version: its arrays, and every scorer's graph with them (the graphs' managers are the model's). */
    @Override
    public void close() {
        model.close();
    }
}
