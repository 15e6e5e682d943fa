package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.producttagger.TestSupport;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.InferencePool;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ModelStore;
import io.producttagger.model.TinyModel;
import io.producttagger.vision.ImageDecoder;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A version a request names loads on the registry's load pool: decoding goes on for everyone else meanwhile, and a
 * request that would start one load too many is answered 503 at once.
 */
class ModelLoadTest {

    @TempDir
    Path zoo;

    private final CountDownLatch loadStarted = new CountDownLatch(1);
    private final CountDownLatch mayLoad = new CountDownLatch(1);
    private volatile boolean holdLoads;
    private ExecutorService loadThreads;
    private Vertx vertx;
    private ModelRegistry registry;
    private HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private byte[] photo;

    @BeforeEach
    void start() throws Exception {
        for (String v : new String[] {"1", "2", "3"}) {
            TinyModel.publish(zoo, "m", v);
        }
        new ModelStore(zoo).setServing("m", "1");
        photo = TestSupport.photo(TestSupport.fashionTest(), 0, 200, ".jpg");
        TaggerConfig config = TestSupport.serviceConfig(Map.of(), "model.zoo", zoo.toString(), "model.name", "m",
                "inference.load-threads", "1");
        // the registry's loads, each held (once holdLoads is set) until the test lets it go
        loadThreads = Executors.newCachedThreadPool();
        Executor loads = task -> loadThreads.execute(() -> {
            if (holdLoads) {
                loadStarted.countDown();
                try {
                    mayLoad.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            task.run();
        });
        registry = new ModelRegistry(new ModelStore(zoo), config, new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS),
                InferencePool.Observer.NONE, loads);
        vertx = Vertx.vertx();
        // one decode thread: a load that held it would stall every request
        WorkerExecutor decode = vertx.createSharedWorkerExecutor("decode", 1);
        Router router = Router.router(vertx);
        new ClassifyRoutes(config, registry, new TaggerMetrics(), decode).addRoutes(router);
        new FailureHandler().install(router);
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }

    @AfterEach
    void stop() throws Exception {
        mayLoad.countDown();
        vertx.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
        registry.close();
        loadThreads.shutdown();
    }

    private CompletableFuture<HttpResponse<String>> classify(String model) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort()
                + "/v1/classify" + (model == null ? "" : "?model=" + model))).timeout(Duration.ofMinutes(1))
                .header("Content-Type", "image/jpeg").POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Tags with the default model, then asks for {@code model} and returns once its load has started (held). */
    private CompletableFuture<HttpResponse<String>> heldLoad(String model) throws Exception {
        assertEquals(200, classify(null).get(1, TimeUnit.MINUTES).statusCode(), "the default model loads and tags");
        holdLoads = true;
        CompletableFuture<HttpResponse<String>> named = classify(model);
        loadStarted.await();
        return named;
    }

    @Test
    void decodingGoesOnForOthersWhileAVersionLoads() throws Exception {
        CompletableFuture<HttpResponse<String>> named = heldLoad("m@2");

        HttpResponse<String> other = classify(null).get(1, TimeUnit.MINUTES);
        assertEquals(200, other.statusCode(), other.body());
        assertEquals("1", new JsonObject(other.body()).getString("version"));

        assertFalse(named.isDone(), "m@2 is still loading");
        mayLoad.countDown();
        HttpResponse<String> loaded = named.get(1, TimeUnit.MINUTES);
        assertEquals(200, loaded.statusCode(), loaded.body());
        assertEquals("2", new JsonObject(loaded.body()).getString("version"));
    }

    @Test
    void aRequestNeedingOneLoadMoreThanTheCapIsA503ProblemWithRetryAfter() throws Exception {
        CompletableFuture<HttpResponse<String>> named = heldLoad("m@2");

        HttpResponse<String> tooMany = classify("m@3").get(1, TimeUnit.MINUTES);
        assertEquals(503, tooMany.statusCode(), tooMany.body());
        assertEquals("1", tooMany.headers().firstValue("Retry-After").orElse(""));
        assertEquals(Problem.MEDIA_TYPE, tooMany.headers().firstValue("Content-Type").orElse(""));
        assertEquals(Problem.TYPE_PREFIX + "overloaded", new JsonObject(tooMany.body()).getString("type"));

        mayLoad.countDown();
        assertEquals(200, named.get(1, TimeUnit.MINUTES).statusCode());
        assertEquals(200, classify("m@3").get(1, TimeUnit.MINUTES).statusCode(), "once m@2 is loaded, m@3 loads");
    }
}
