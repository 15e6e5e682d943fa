package io.producttagger.training.loop;

import io.producttagger.training.TrainingException;
import io.producttagger.training.data.LabeledImages;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.producttagger.model.Architecture;
import io.producttagger.model.ModelManifest;
import io.producttagger.model.ModelStore;
import io.producttagger.vision.Normalization;
import io.producttagger.vision.PreprocessingStep;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Trains a new model from scratch, evaluates it on a test set and publishes it as a version in the store. */
public final class ModelTraining {

    private final ModelStore store;

    /** Creates the service over a model store. */
    public ModelTraining(ModelStore store) {
        this.store = store;
    }

    /**
     * What to train.
     *
     * @param name model name in the store
     * @param architecture the network
     * @param preprocessing the steps from photo to input tensor, ending in the normalisation
     * @param normalization the last step, applied to the data sets' pixels
     * @param train training images
     * @param test test images, evaluated after each epoch and recorded in the manifest
     * @param dataDescription what the data set is, for the manifest
     * @param initFrom a published version whose parameters (same architecture and labels) training starts
     *     from, or null to start from random weights
     */
    public record Request(String name, Architecture architecture, List<PreprocessingStep> preprocessing,
            Normalization normalization, LabeledImages train, LabeledImages test,
            Map<String, Object> dataDescription, ModelManifest initFrom) {}

    /**
     * Trains and publishes the next version of {@code request.name()}.
     *
     * @return the published manifest
     */
    public ModelManifest trainAndPublish(Request request, ClassifierTrainer.Settings settings,
            ClassifierTrainer.Listener listener, BooleanSupplier cancelled) {
        LabeledImages train = request.train();
        try (Model model = Model.newInstance(request.name(), "MXNet")) {
            Block block = request.architecture().build(train.labelNames().size());
            model.setBlock(block);
            long earlierSeconds = 0;
            if (request.initFrom() != null) {
                ModelManifest base = request.initFrom();
                if (!base.architecture().equals(request.architecture()) || !base.labels().equals(train.labelNames())) {
                    throw new TrainingException("cannot continue from " + base.name() + "@" + base.version()
                            + ": its architecture or labels differ");
                }
                try {
                    model.load(store.versionDir(base.name(), base.version()), base.parameters());
                } catch (java.io.IOException | ai.djl.MalformedModelException e) {
                    throw new TrainingException("cannot load the parameters of " + base.name() + "@"
                            + base.version() + ": " + e.getMessage(), e);
                }
                Object t = base.training().get("trainingSeconds");
                earlierSeconds = t instanceof Number n ? n.longValue() : 0;
            }
            ClassifierTrainer.Result result = new ClassifierTrainer(settings).train(model, request.normalization(),
                    train, request.test(), listener, cancelled);
            if (result.cancelled()) {
                throw new TrainingException("training was cancelled; nothing was published");
            }
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("testSet", request.dataDescription().getOrDefault("test", "test set"));
            metrics.putAll(result.validation().toMap());
            Map<String, Object> training = new LinkedHashMap<>(request.dataDescription());
            training.put("images", train.size());
            training.put("epochs", settings.epochs());
            training.put("batchSize", settings.batchSize());
            training.put("learningRate", settings.learningRate());
            training.put("schedule", "linear warm-up " + settings.warmupEpochs() + " epoch(s), then cosine");
            training.put("optimizer", "SGD momentum " + settings.momentum() + ", weight decay "
                    + settings.weightDecay());
            training.put("augmentation", settings.augmentation().toString());
            training.put("seed", settings.seed());
            training.put("parameterCount", parameterCount(block));
            training.put("trainingSeconds", Math.round(result.seconds()) + earlierSeconds);
            if (request.initFrom() != null) {
                training.put("continuedFrom", request.initFrom().name() + "@" + request.initFrom().version()
                        + " (" + request.initFrom().training().get("epochs") + " epochs, "
                        + earlierSeconds + " s; trainingSeconds includes them)");
            }
            training.put("engine", "MXNet " + ai.djl.engine.Engine.getEngine("MXNet").getVersion()
                    + ", MXNET_ENGINE_TYPE=" + System.getenv("MXNET_ENGINE_TYPE") + ", OMP_NUM_THREADS="
                    + System.getenv("OMP_NUM_THREADS"));
            training.put("history", result.epochs().stream().map(e -> e.toHistoryEntry(e.epoch(), "testTop1"))
                    .toList());
            String version = store.nextVersion(request.name());
            ModelManifest manifest = new ModelManifest(request.name(), version, train.labelNames(),
                    new ModelManifest.InputSpec(train.width(), train.height(), train.channels()),
                    request.preprocessing(), request.architecture(), "model", metrics, training,
                    Instant.now().toString());
            store.publish(manifest, dir -> model.save(dir, manifest.parameters()));
            return manifest;
        }
    }

    /** Counts the scalar parameters of an initialised block. */
    public static long parameterCount(Block block) {
        long n = 0;
        for (Parameter p : block.getParameters().values()) {
            if (p.isInitialized()) {
                n += p.getArray().size();
            }
        }
        return n;
    }
}
