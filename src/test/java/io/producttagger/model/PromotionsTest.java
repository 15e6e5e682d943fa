package io.producttagger.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.producttagger.TestSupport;
import io.producttagger.config.TaggerConfig;
import io.producttagger.vision.ImageDecoder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Promotion history and rollback over a temporary store of tiny models. */
class PromotionsTest {

    @TempDir
    Path zoo;

    private ModelRegistry registry() {
        TestSupport.offline();
        TaggerConfig config = TaggerConfig.load(null, Map.of(), Map.of("model.zoo", zoo.toString(), "model.name", "m"));
        return new ModelRegistry(new ModelStore(zoo), config, new ImageDecoder(1_000_000), InferencePool.Observer.NONE);
    }

    @Test
    void promotingTheServingVersionAgainLeavesNothingToRollBackTo() {
        TinyModel.publish(zoo, "m", "1");
        try (ModelRegistry registry = registry()) {
            Promotions p = new Promotions(registry);
            p.promote("m", "1");
            assertEquals(List.of("1"), p.history("m").stack());
            assertThrows(ModelException.NothingToRollBack.class, () -> p.rollback("m"));
        }
    }

    @Test
    void rollbackReturnsToEachEarlierServingVersionInTurn() {
        TinyModel.publish(zoo, "m", "1");
        TinyModel.publish(zoo, "m", "2");
        TinyModel.publish(zoo, "m", "3");
        try (ModelRegistry registry = registry()) {
            registry.store().setServing("m", "1");
            Promotions p = new Promotions(registry);
            p.promote("m", "2");
            p.promote("m", "3");
            assertEquals("2", p.rollback("m").to());
            assertEquals("1", p.rollback("m").to());
            assertEquals("1", registry.store().servingVersion("m").orElseThrow());
            assertEquals(4, p.history("m").log().size());
        }
    }
}
