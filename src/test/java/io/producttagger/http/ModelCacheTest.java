package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.app.TaggerApp;
import io.producttagger.model.ServingModel;
import io.producttagger.model.TinyModel;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests naming version after version cannot make the server keep them all loaded. */
class ModelCacheTest {

    private static final int VERSIONS = 20;
    private static final int MAX_OTHERS = 3;
    private static final int CLIENTS = 4;

    @TempDir
    Path zoo;

    @Test
    void requestsForTwentyVersionsLeaveAtMostTheConfiguredNumberLoaded() throws Exception {
        for (int v = 1; v <= VERSIONS; v++) {
            TinyModel.publish(zoo, "m", Integer.toString(v));
        }
        byte[] photo = TestSupport.photo(TestSupport.fashionTest(), 0, 200, ".jpg");
        // as many load threads as clients: each client may wait for a load of its own, so none is refused with 503
        // (the cap on loads is ModelLoadTest's)
        try (TaggerApp app = TestSupport.serve(TestSupport.serviceConfig(Map.of(), "model.zoo", zoo.toString(),
                "model.name", "m", "inference.max-other-versions", Integer.toString(MAX_OTHERS),
                "inference.load-threads", Integer.toString(CLIENTS)))) {
            HttpClient http = HttpClient.newHttpClient();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            List<Future<String>> answers = new ArrayList<>();
            // every version twice, from four clients at once, so versions are evicted while others are in use
            for (int round = 0; round < 2; round++) {
                for (int v = 1; v <= VERSIONS; v++) {
                    String version = Integer.toString(v);
                    answers.add(clients.submit(() -> {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + app.publicListener().port() + "/v1/classify?model=m@" + version))
                                .header("Content-Type", "image/jpeg")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertEquals(200, r.statusCode(), r.body());
                        return new JsonObject(r.body()).getString("version");
                    }));
                }
            }
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(Integer.toString(i % VERSIONS + 1), answers.get(i).get(), "answer " + i);
            }
            clients.shutdown();
            List<String> loaded = app.registry().loaded().stream().map(ServingModel::id).toList();
            assertTrue(loaded.size() <= 1 + MAX_OTHERS, loaded.toString());
            assertTrue(loaded.contains("m@" + VERSIONS), "the serving version stays loaded: " + loaded);
            // the versions let go stopped their workers: only the loaded ones' inference threads remain
            long workers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("inference-m@") && t.isAlive()).count();
            assertTrue(workers <= loaded.size() * app.config().inference().workers(),
                    workers + " inference threads for " + loaded);
        }
    }
}
