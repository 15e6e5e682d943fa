package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.app.TaggerApp;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.InferencePool;
import io.producttagger.model.ModelException;
import io.producttagger.model.ModelRegistry;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A server whose inference queue holds one image: a full queue answers 503 with Retry-After at once. */
class OverloadTest {

    @Test
    void fullQueueAnswers503WithRetryAfterAndInFlightRequestsFinishOnShutdown() throws Exception {
        TestSupport.offline();
        // the clothing model: the flood below submits its 28x28 tensors
        TaggerConfig config = TestSupport.serviceConfig(Map.of(), "model.name", "fashion", "inference.queue-capacity",
                "1", "inference.max-batch", "1", "inference.max-delay-ms", "0");
        // the warm-up inference occupies the one-image queue until the service is ready
        TaggerApp app = TestSupport.serve(config);
        ListenerVerticle server = app.publicListener();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        byte[] photo = TestSupport.photo(TestSupport.fashionTest(), 0, 200, ".jpg");
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/v1/classify")).header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build();
        assertEquals(200, http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());

        // keep the one-image queue full from other threads while requests arrive
        InferencePool classifier;
        try (ModelRegistry.Lease lease = app.registry().acquire(null)) {
            classifier = lease.model().pool();
        }
        AtomicBoolean flood = new AtomicBoolean(true);
        List<Thread> flooders = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Thread th = new Thread(() -> {
                float[] x = new float[28 * 28];
                while (flood.get()) {
                    try {
                        classifier.submit(x);
                    } catch (ModelException.Overloaded e) {
                        Thread.onSpinWait();
                    }
                }
            });
            th.start();
            flooders.add(th);
        }
        HttpResponse<String> overloaded = null;
        for (int i = 0; i < 50 && overloaded == null; i++) {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 503) {
                overloaded = r;
            } else {
                assertEquals(200, r.statusCode(), r.body());
            }
        }
        flood.set(false);
        for (Thread th : flooders) {
            th.join();
        }
        assertTrue(overloaded != null, "a full queue must answer 503");
        assertEquals("1", overloaded.headers().firstValue("Retry-After").orElse(""));
        assertEquals("application/problem+json", overloaded.headers().firstValue("Content-Type").orElse(""));
        assertEquals(503, new JsonObject(overloaded.body()).getInteger("status"));

        // a request in flight when shutdown starts still completes: a large photo keeps it busy decoding
        byte[] big = TestSupport.photo(TestSupport.fashionTest(), 1, 3000, ".png");
        CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(HttpRequest.newBuilder(request.uri())
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(),
                HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!server.hasRequestsInFlight() && !inFlight.isDone() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        app.close();
        assertEquals(200, inFlight.join().statusCode());
    }
}
