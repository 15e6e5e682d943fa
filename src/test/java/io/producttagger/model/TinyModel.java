package io.producttagger.model;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.producttagger.TestSupport;
import io.producttagger.training.data.FashionMnist;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Publishes a small, randomly initialised model into a store: a real network for plumbing tests. */
public final class TinyModel {

    private TinyModel() {}

    /** Publishes {@code name@version} with Fashion-MNIST's labels, input and preprocessing. */
    public static ModelManifest publish(Path zoo, String name, String version) {
        TestSupport.offline();
        Architecture arch = Architecture.vggBn(List.of(4, 8), 1, 0);
        ModelManifest manifest = ModelManifest.builder().setName(name).setVersion(version)
                .setLabels(FashionMnist.LABELS).setInput(new ModelManifest.InputSpec(28, 28, 1)).setArchitecture(arch)
                .optPreprocessing(FashionMnist.preprocessing()).optMetrics(Map.of("top1", 0.1))
                .optTraining(Map.of("note", "untrained test model")).optCreated("2026-11-28T00:00:00Z").build();
        try (Model model = Model.newInstance(name, "MXNet")) {
            Block block = arch.build(10);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
            model.setBlock(block);
            new ModelStore(zoo).publish(manifest, dir -> model.save(dir, "model"));
        }
        return manifest;
    }
}
