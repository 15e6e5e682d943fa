package io.producttagger.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.producttagger.model.InferencePool;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ServingModel;
import java.time.Duration;

/**
 * The service's Prometheus metrics (Micrometer): requests by route and status, latency histograms of queue
 * wait, decode, preprocess and inference, batch sizes and queue depth. Served at {@code GET /metrics}.
 */
public final class TaggerMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer decode = stage("decode");
    private final Timer preprocess = stage("preprocess");
    private final Timer queueWait = stage("queue_wait");
    private final Timer inference = stage("inference");
    private final DistributionSummary batchSize = DistributionSummary.builder("tagger_batch_size")
            .description("images per inference batch").serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
            .register(registry);

    /** Creates an empty registry. */
    public TaggerMetrics() {}

    private Timer stage(String name) {
        return Timer.builder("tagger_" + name).description(name.replace('_', ' ') + " time per image")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
    }

    /** Returns the observer to hand to the classifiers so batches are measured. */
    public InferencePool.Observer classifierObserver() {
        return (size, ms) -> batchSize.record(size);
    }

    /** Exposes the total queue depth of the loaded models. */
    public void watchQueues(ModelRegistry models) {
        Gauge.builder("tagger_queue_depth", models,
                m -> m.loaded().stream().mapToInt(s -> s.pool().queueDepth()).sum())
                .description("images waiting for inference").register(registry);
    }

    /**
     * Records one finished request; the caller passes labels from closed sets (route templates, standard
     * methods, statuses), so no request can add series of its own.
     */
    void request(String route, String method, String status, long nanos) {
        Timer.builder("http_server_requests").tag("route", route).tag("method", method)
                .tag("status", status).register(registry).record(Duration.ofNanos(nanos));
    }

    /** Records the stage times of one tagged image. */
    void tagged(ServingModel.Tagging t) {
        decode.record(Duration.ofNanos((long) (t.decodeMs() * 1e6)));
        preprocess.record(Duration.ofNanos((long) (t.preprocessMs() * 1e6)));
        queueWait.record(Duration.ofNanos((long) (t.queueMs() * 1e6)));
        inference.record(Duration.ofNanos((long) (t.inferenceMs() * 1e6)));
    }

    /** Counts an image that failed, by HTTP status. */
    void failed(int status) {
        Counter.builder("tagger_images_failed").tag("status", Integer.toString(status)).register(registry)
                .increment();
    }

    /** Returns the Prometheus text exposition. */
    String scrape() {
        return registry.scrape();
    }
}
