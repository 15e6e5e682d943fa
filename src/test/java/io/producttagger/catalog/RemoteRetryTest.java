package io.producttagger.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server client's retry rules, against a stub that follows the documented contract but can be told to be
 * overloaded (the real server only answers 503 when its queue is full, which a test cannot arrange reliably).
 */
class RemoteRetryTest {

    private final ObjectMapper json = new ObjectMapper();
    private HttpServer stub;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (stub != null) {
            stub.stop(0);
        }
    }

    private URI startStub(int overloadedAnswers, AtomicInteger requests) throws IOException {
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext("/v1/classify", ex -> {
            ex.getRequestBody().readAllBytes();
            int n = requests.incrementAndGet();
            byte[] body;
            if (n <= overloadedAnswers) {
                ex.getResponseHeaders().add("Retry-After", "1");
                ex.getResponseHeaders().add("Content-Type", "application/problem+json");
                body = "{\"type\":\"about:blank\",\"title\":\"Overloaded\",\"status\":503,\"detail\":\"busy\"}"
                        .getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(503, body.length);
            } else {
                ex.getResponseHeaders().add("Content-Type", "application/json");
                body = ("{\"model\":\"fashion\",\"version\":\"7\",\"results\":[{\"name\":\"body\",\"labels\":"
                        + "[{\"label\":\"Bag\",\"score\":0.98}],\"timings\":{}}]}").getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, body.length);
            }
            ex.getResponseBody().write(body);
            ex.close();
        });
        stub.start();
        return URI.create("http://127.0.0.1:" + stub.getAddress().getPort());
    }

    private CatalogItem image() throws IOException {
        Path f = Files.write(dir.resolve("a.jpg"), new byte[] {1, 2, 3});
        return CatalogItem.of("a.jpg", f.toString(), f, Map.of());
    }

    private RemoteTagger tagger(URI server, int retries) {
        return new RemoteTagger(server, null, 1, 0, HttpClient.newHttpClient(), json, 1, 1 << 20,
                new RemoteTagger.Retries(retries, Duration.ofMillis(50), Duration.ofSeconds(5), Duration.ofSeconds(5)));
    }

    @Test
    void retriesA503AfterTheRetryAfterSeconds() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        URI server = startStub(1, requests);
        long start = System.nanoTime();
        try (RemoteTagger t = tagger(server, 3)) {
            Tagging tagging = t.tag(image()).join();
            assertEquals("Bag", tagging.labels().get(0).label());
            assertEquals("7", tagging.version());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(2, requests.get());
        assertTrue(seconds >= 0.95, "waited for Retry-After: " + seconds);
    }

    @Test
    void givesUpAfterTheRetriesWithAFailureThatStopsTheRun() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        URI server = startStub(100, requests);
        try (RemoteTagger t = tagger(server, 1)) {
            CompletionException e = assertThrows(CompletionException.class, () -> t.tag(image()).join());
            assertTrue(e.getCause() instanceof CatalogException, e.toString());
            assertTrue(!(e.getCause() instanceof CatalogException.ImageFailed), "not one image's fault");
        }
        assertEquals(2, requests.get());
    }

    @Test
    void backsOffOnConnectionErrorsAndThenStopsTheRunWithoutWritingRows() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path photos = Files.createDirectories(dir.resolve("photos"));
        Files.write(photos.resolve("a.jpg"), new byte[] {1});
        Path out = dir.resolve("out.csv");
        long start = System.nanoTime();
        try (RemoteTagger t = tagger(URI.create("http://127.0.0.1:" + port), 2);
                ResultWriter w = new ResultWriter(out, OutputFormat.CSV, 1, List.of(), ResultWriter.Mode.CREATE,
                        json)) {
            CatalogException e = assertThrows(CatalogException.class, () -> new CatalogRun(t, w,
                    new CatalogRun.Settings(2, 5), CatalogRun.Listener.NONE).run(CatalogSource.open(photos, json)));
            assertTrue(e.getMessage().contains("cannot reach"), e.getMessage());
        }
        assertTrue((System.nanoTime() - start) / 1e6 >= 50, "backed off between attempts");
        assertEquals(1, CatalogFixtures.lines(out).size(), "only the header");
    }
}
