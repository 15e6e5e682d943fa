package io.producttagger.training.loop;

import io.producttagger.training.TrainingException;
import io.producttagger.training.data.LabeledImages;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.producttagger.model.Architecture;
import io.producttagger.model.EngineEnvironment;
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
            Map<String, Object> dataDescription, ModelManifest initFrom) {

        /** Copies the description; none is an empty one. */
        public Request {
            dataDescription = dataDescription == null ? Map.of() : Map.copyOf(dataDescription);
        }

        /**
         * Starts a request: name, architecture, preprocessing with its normalisation and both image sets are
         * required; the data description and the version to start from are optional.
         */
        public static Builder builder() {
            return new Builder();
        }

        /** Builds a {@link Request}: {@code set*} for the required parts, {@code opt*} for the rest. */
        public static final class Builder {
            private String name;
            private Architecture architecture;
            private List<PreprocessingStep> preprocessing;
            private Normalization normalization;
            private LabeledImages train;
            private LabeledImages test;
            private Map<String, Object> dataDescription = Map.of();
            private ModelManifest initFrom;

            private Builder() {}

            /** Sets the model name in the store (required). */
            public Builder setName(String value) {
                this.name = value;
                return this;
            }

            /** Sets the network (required). */
            public Builder setArchitecture(Architecture value) {
                this.architecture = value;
                return this;
            }

            /**
             * Sets the preprocessing (required).
             *
             * @param steps from photo to input tensor, ending in the normalisation
             * @param last that normalisation, applied to the data sets' pixels
             */
            public Builder setPreprocessing(List<PreprocessingStep> steps, Normalization last) {
                this.preprocessing = steps;
                this.normalization = last;
                return this;
            }

            /** Sets the training and test images (required). */
            public Builder setData(LabeledImages trainImages, LabeledImages testImages) {
                this.train = trainImages;
                this.test = testImages;
                return this;
            }

            /** Sets what the data set is, for the manifest ({@code test} names the test set). */
            public Builder optDataDescription(Map<String, Object> value) {
                this.dataDescription = value;
                return this;
            }

            /** Sets a published version (same architecture and labels) whose parameters training starts from. */
            public Builder optInitFrom(ModelManifest value) {
                this.initFrom = value;
                return this;
            }

            /**
             * Builds the request.
             *
             * @throws IllegalArgumentException when a required part is missing
             */
            public Request build() {
                validate();
                return new Request(name, architecture, preprocessing, normalization, train, test, dataDescription,
                        initFrom);
            }

            private void validate() {
                if (name == null || architecture == null || preprocessing == null || normalization == null
                        || train == null || test == null) {
                    throw new IllegalArgumentException("a training request needs a name, an architecture, the "
                            + "preprocessing and its normalisation, and training and test images");
                }
            }
        }
    }

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
                    + ", MXNET_ENGINE_TYPE=" + EngineEnvironment.engineType() + ", OMP_NUM_THREADS="
                    + System.getenv("OMP_NUM_THREADS"));
            training.put("history", result.epochs().stream().map(e -> e.toHistoryEntry(e.epoch(), "testTop1"))
                    .toList());
            String version = store.nextVersion(request.name());
            ModelManifest manifest = ModelManifest.builder().setName(request.name()).setVersion(version)
                    .setLabels(train.labelNames())
                    .setInput(new ModelManifest.InputSpec(train.width(), train.height(), train.channels()))
                    .setArchitecture(request.architecture()).optPreprocessing(request.preprocessing())
                    .optMetrics(metrics).optTraining(training).optCreated(Instant.now().toString()).build();
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
