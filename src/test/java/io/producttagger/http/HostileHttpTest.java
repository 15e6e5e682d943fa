package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each hostile input the attack report of issue 14 found, on the real listeners: a 4xx problem (never a 500, a
 * silent close or an answer that never ends), connections that do not deliver a request in time are closed,
 * and the access log and metrics say what was really answered.
 */
class HostileHttpTest {

    private static HostileFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = new HostileFixture();
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    private static void assertProblem(RawHttp.Answer a, int status, String detailPart) {
        assertEquals(status, a.status(), a.toString());
        assertEquals(Problem.MEDIA_TYPE, a.headers().get("content-type"), a.toString());
        JsonObject p = new JsonObject(a.body());
        assertEquals(status, p.getInteger("status"), a.toString());
        assertTrue(p.getString("detail").contains(detailPart), a.toString());
    }

    private static void assertProblem(HttpResponse<String> r, int status, String detailPart) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals(Problem.MEDIA_TYPE, r.headers().firstValue("Content-Type").orElse(""), r.body());
        assertTrue(new JsonObject(r.body()).getString("detail").contains(detailPart), r.body());
    }

    /** A classify request with the given Content-Type and body, as raw bytes. */
    private static RawHttp.Answer classify(String contentType, byte[] body) throws Exception {
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        req.write(("POST /v1/classify HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: " + contentType
                + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        req.write(body);
        return RawHttp.send(f.port(false), req.toByteArray(), 10_000);
    }

    private static RawHttp.Answer multipart(String partHeaders) throws Exception {
        return classify("multipart/form-data; boundary=b", ("--b\r\n" + partHeaders + "\r\n\r\nabc\r\n--b--\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void multipartWithAnEmptyBoundaryIs400() throws Exception {
        assertProblem(classify("multipart/form-data; boundary=", "--\r\n\r\n".getBytes()), 400, "boundary");
        assertProblem(classify("multipart/form-data", "--\r\n\r\n".getBytes()), 400, "boundary");
    }

    @Test
    void multipartPartWithoutFormDataDispositionIs400() throws Exception {
        assertProblem(multipart("Content-Type: image/jpeg"), 400, "no Content-Disposition");
        assertProblem(multipart("Content-Disposition: attachment; filename=\"a.jpg\""), 400, "not form-data");
        assertProblem(multipart("Content-Disposition: form-data; filename=\"a.jpg\""), 400, "no name");
    }

    @Test
    void multipartHeaderLineWithoutAColonIs400() throws Exception {
        assertProblem(multipart("Content-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\nno colon here"),
                400, "not 'Name: value'");
    }

    @Test
    void foldedMultipartHeaderIsAnswered400AndCountedAs400() throws Exception {
        RawHttp.Answer a = multipart("Content-Disposition: form-data;\r\n name=\"image\"; filename=\"a.jpg\"");
        assertProblem(a, 400, "folded");
        String metrics = f.send(false, f.request(false, "/metrics")).body();
        assertTrue(metrics.contains("http_server_requests_seconds_count{method=\"POST\",route=\"/v1/classify\","
                + "status=\"400\"}"), "the 400 is counted under its route and status");
    }

    @Test
    void oneMegabyteFormFieldIs400() throws Exception {
        String field = "x".repeat(1 << 20);
        assertProblem(classify("multipart/form-data; boundary=b", ("--b\r\nContent-Disposition: form-data; name=\"topK\""
                + "\r\n\r\n" + field + "\r\n--b--\r\n").getBytes(StandardCharsets.ISO_8859_1)), 400, "'topK' is 1048576 bytes");
    }

    @Test
    void thousandFilePartsAre413AndLeaveNoTemporaryFiles() throws Exception {
        Set<String> before = f.filesOnDisk();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < 1000; i++) {
            body.write(("--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + i + ".jpg\"\r\n\r\n"
                    + "x".repeat(900) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        body.write("--b--\r\n".getBytes(StandardCharsets.ISO_8859_1));
        for (int round = 0; round < 3; round++) {
            assertProblem(classify("multipart/form-data; boundary=b", body.toByteArray()), 413, "server.max-images");
        }
        assertEquals(before, f.filesOnDisk());
    }

    @Test
    void badPercentEncodingInTheQueryIs400OnBothListeners() throws Exception {
        assertProblem(RawHttp.send(f.port(false), "POST /v1/classify?topK=%zz HTTP/1.1\r\nHost: x\r\nContent-Type: "
                + "image/png\r\nContent-Length: 1\r\n\r\nx", 10_000), 400, "percent-encoding");
        assertProblem(RawHttp.send(f.port(false), "GET /health?x=%zz HTTP/1.1\r\nHost: x\r\n\r\n", 10_000), 400,
                "percent-encoding");
        assertTrue(f.send(false, f.request(false, "/metrics")).body().contains("route=\"/health\",status=\"400\""),
                "logged and counted like any other answer");
        assertProblem(RawHttp.send(f.port(true), "GET /admin/v1/fine-tunes?state=%zz HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + HostileFixture.TOKEN + "\r\n\r\n", 10_000), 400, "percent-encoding");
    }

    @Test
    void http11RequestWithoutHostIs400OnBothListeners() throws Exception {
        for (boolean admin : new boolean[] {false, true}) {
            RawHttp.Answer a = RawHttp.send(f.port(admin), "GET /health HTTP/1.1\r\n\r\n", 10_000);
            assertEquals(400, a.status(), a.toString());
            assertEquals(Problem.MEDIA_TYPE, a.headers().get("content-type"), a.toString());
        }
    }

    @Test
    void otherHttpVersionsAre505Problems() throws Exception {
        for (String version : new String[] {"HTTP/1.2", "HTTP/2.0", "HTTP/3.0"}) {
            for (boolean admin : new boolean[] {false, true}) {
                RawHttp.Answer a = RawHttp.send(f.port(admin), "GET /health " + version + "\r\nHost: x\r\n\r\n", 10_000);
                assertProblem(a, 505, "HTTP/1.1");
                assertTrue(a.closed(), a.toString());
            }
        }
    }

    @Test
    void errorsBeforeRoutingAreProblemsOnBothListeners() throws Exception {
        for (boolean admin : new boolean[] {false, true}) {
            int port = f.port(admin);
            assertProblem(RawHttp.send(port, "GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 10_000), 414,
                    "request line");
            assertProblem(RawHttp.send(port, "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9000)
                    + "\r\n\r\n", 10_000), 431, "headers");
            assertProblem(RawHttp.send(port, "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 10_000),
                    400, "well-formed");
        }
    }

    @Test
    void h2cUpgradeWithoutConnectionUpgradeIsAnsweredNormallyAndEnds() throws Exception {
        RawHttp.Answer a = RawHttp.send(f.port(false), "GET /health HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n", 10_000);
        assertEquals(200, a.status(), a.toString());
        assertTrue(a.headers().containsKey("content-length"), a.toString());
    }

    @Test
    void webSocketUpgradeIsRefusedWith404AndTheConnectionEnds() throws Exception {
        RawHttp.Answer a = RawHttp.send(f.port(false), "GET /health HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "\r\n", 10_000);
        assertEquals(404, a.status(), a.toString());
        assertTrue(a.headers().containsKey("content-length"), "an answer that ends: " + a);
        assertProblem(a, 404, "no WebSocket endpoint");
        assertTrue(a.closed(), a.toString());
    }

    @Test
    void everyWebSocketUpgradeIsA404ProblemOnBothListenersAndIsCounted() throws Exception {
        String key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        // Vert.x's own answers were plain text: 400 without Connection: Upgrade, 405 for POST, 426 for version 99
        String[] upgrades = {
            "GET /health HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n" + key + "Sec-WebSocket-Version: 13\r\n\r\n",
            "POST /v1/classify HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key
                    + "Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n" + key
                    + "Sec-WebSocket-Version: 99\r\n\r\n",
            "GET /nowhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"};
        for (boolean admin : new boolean[] {false, true}) {
            for (String upgrade : upgrades) {
                RawHttp.Answer a = RawHttp.send(f.port(admin), upgrade, 10_000);
                assertProblem(a, 404, "no WebSocket endpoint");
                assertTrue(a.closed(), a.toString());
            }
        }
        assertTrue(f.send(false, f.request(false, "/metrics")).body().contains("route=\"unrouted\",status=\"404\""),
                "logged and counted like any other answer");
    }

    @Test
    void madeUpMethodsDoNotAddMetricSeries() throws Exception {
        for (int i = 0; i < 50; i++) {
            RawHttp.send(f.port(false), "M" + i + "X /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 10_000);
        }
        String metrics = f.send(false, f.request(false, "/metrics")).body();
        assertFalse(metrics.contains("method=\"M1X\""), "a made-up method is not a label");
        assertTrue(metrics.contains("method=\"other\""), "made-up methods are counted as other");
    }

    @Test
    void failedClassifyRequestsAreCountedUnderTheirRoute() throws Exception {
        assertProblem(classify("image/png", "not a png".getBytes()), 415, "");
        String metrics = f.send(false, f.request(false, "/metrics")).body();
        assertTrue(metrics.contains("route=\"/v1/classify\",status=\"415\""), metrics.lines()
                .filter(l -> l.startsWith("http_server_requests_seconds_count")).toList().toString());
    }

    // --- connections that never deliver a request are closed within the idle timeout ---

    private static void assertClosedInTime(boolean admin, byte[] partial) throws Exception {
        RawHttp.Answer a = RawHttp.send(f.port(admin), partial, HostileFixture.IDLE_MS * 4);
        assertTrue(a.closed(), "closed: " + a);
        assertTrue(a.millis() < HostileFixture.IDLE_MS * 3, "closed within the idle timeout: " + a);
    }

    @Test
    void requestLineWithoutCrlfIsClosed() throws Exception {
        for (boolean admin : new boolean[] {false, true}) {
            assertClosedInTime(admin, "GET /health HTTP/1.1".getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void headersThatNeverFinishAreClosed() throws Exception {
        for (boolean admin : new boolean[] {false, true}) {
            assertClosedInTime(admin, "GET /health HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void tlsClientHelloOnThePlainPortIsClosed() throws Exception {
        byte[] hello = java.util.HexFormat.of().parseHex("16030100a5010000a10303" + "00".repeat(32)
                + "000020c02bc02fc02cc030cca9cca8c013c014009c009d002f0035000a0100005800000018001600001377"
                + "7777772e6578616d706c652e636f6d");
        for (boolean admin : new boolean[] {false, true}) {
            assertClosedInTime(admin, hello);
        }
    }

    @Test
    void slowlorisIsClosedThoughItKeepsSendingBytes() throws Exception {
        for (boolean admin : new boolean[] {false, true}) {
            try (Socket s = new Socket("127.0.0.1", f.port(admin))) {
                long start = System.nanoTime();
                s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.ISO_8859_1));
                boolean closed = false;
                for (int i = 0; i < 40 && !closed; i++) {
                    Thread.sleep(HostileFixture.IDLE_MS / 5);
                    try {
                        s.getOutputStream().write(("X-" + i + ": y\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        s.getOutputStream().flush();
                    } catch (java.io.IOException e) {
                        closed = true;
                    }
                }
                assertTrue(closed, "the connection was closed while it kept sending header lines (admin " + admin + ")");
                assertTrue(System.nanoTime() - start < HostileFixture.IDLE_MS * 4_000_000L, "closed in time");
            }
        }
    }

    @Test
    void idleKeepAliveConnectionIsClosedAfterItsAnswer() throws Exception {
        for (boolean admin : new boolean[] {false, true}) {
            try (Socket s = new Socket("127.0.0.1", f.port(admin))) {
                s.setSoTimeout((int) HostileFixture.IDLE_MS * 4);
                long start = System.nanoTime();
                s.getOutputStream().write(("GET " + (admin ? "/admin/v1/fine-tunes?limit=1" : "/health/live")
                        + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + HostileFixture.TOKEN + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                RawHttp.Answer a = RawHttp.read(s, start, HostileFixture.IDLE_MS * 4);
                assertEquals(200, a.status(), a.toString());
                assertFalse(a.closed(), "kept alive at first");
                long idle = System.nanoTime();
                assertEquals(-1, s.getInputStream().read(), "closed by the server");
                long waited = (System.nanoTime() - idle) / 1_000_000;
                assertTrue(waited < HostileFixture.IDLE_MS * 3, "closed after " + waited + " ms idle (admin " + admin + ")");
            }
        }
    }

    @Test
    void clientThatLeavesBeforeTheAnswerIsCountedAsClosedNotAs200() throws Exception {
        try (Socket s = new Socket("127.0.0.1", f.port(false))) {
            s.getOutputStream().write(("POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                    + "Content-Length: 5000\r\n\r\nabc").getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            Thread.sleep(200);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        String metrics = "";
        while (System.nanoTime() < deadline && !metrics.contains("route=\"/v1/classify\",status=\"closed\"")) {
            Thread.sleep(100);
            metrics = f.send(false, f.request(false, "/metrics")).body();
        }
        assertTrue(metrics.contains("route=\"/v1/classify\",status=\"closed\""), metrics.lines()
                .filter(l -> l.startsWith("http_server_requests_seconds_count")).toList().toString());
    }

    @Test
    void adminBodyShorterThanItsContentLengthGets408() throws Exception {
        RawHttp.Answer a = RawHttp.send(f.port(true), "POST /admin/v1/fine-tunes HTTP/1.1\r\nHost: x\r\nAuthorization: "
                + "Bearer " + HostileFixture.TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                + "{\"dataset\":", HostileFixture.REQUEST_MS * 4);
        assertProblem(a, 408, "admin.request-timeout-ms");
        assertTrue(a.closed(), a.toString());
    }

    @Test
    void publicBodyShorterThanItsContentLengthGets408() throws Exception {
        RawHttp.Answer a = RawHttp.send(f.port(false), "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: "
                + "image/png\r\nContent-Length: 1000\r\n\r\n0123456789a", HostileFixture.REQUEST_MS * 4);
        assertProblem(a, 408, "server.request-timeout-ms");
        assertTrue(a.closed(), a.toString());
    }

    @Test
    void blankImageIsTaggedWithAWarningThatTheLabelsMeanNothing() throws Exception {
        org.opencv.core.Mat black = new org.opencv.core.Mat(1500, 1500, org.opencv.core.CvType.CV_8UC3,
                new org.opencv.core.Scalar(0, 0, 0));
        byte[] png = io.producttagger.vision.OpenCv.encode(black, ".png");
        black.release();
        RawHttp.Answer a = classify("image/png", png);
        assertEquals(200, a.status(), a.toString());
        JsonObject result = new JsonObject(a.body()).getJsonArray("results").getJsonObject(0);
        assertTrue(result.getJsonArray("warnings").getString(0).contains("blank"), a.toString());
        RawHttp.Answer photo = classify("image/jpeg", io.producttagger.TestSupport.photo(
                io.producttagger.TestSupport.fashionTest(), 0, 300, ".jpg"));
        assertFalse(new JsonObject(photo.body()).getJsonArray("results").getJsonObject(0).containsKey("warnings"),
                photo.toString());
    }

    private static RawHttp.Answer fineTune(String json) throws Exception {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return RawHttp.send(f.port(true), ("POST /admin/v1/fine-tunes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Authorization: Bearer " + HostileFixture.TOKEN + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n" + new String(body, StandardCharsets.ISO_8859_1))
                .getBytes(StandardCharsets.ISO_8859_1), 10_000);
    }

    @Test
    void adminJsonNullsWrongTypesAndOverflowsAre400sNamingTheOption() throws Exception {
        String few = "{\"dataset\":{\"folder\":\"few\"},";
        for (String option : new String[] {"epochs", "batchSize", "learningRate", "validationFraction", "patience",
                "seed", "color", "baseModel", "name"}) {
            assertProblem(fineTune(few + "\"" + option + "\":null}"), 400, "'" + option + "' is null");
        }
        assertProblem(fineTune(few + "\"epochs\":4294967297}"), 400, "'epochs'");
        assertProblem(fineTune(few + "\"batchSize\":18446744073709551616}"), 400, "'batchSize'");
        assertProblem(fineTune(few + "\"patience\":1.5}"), 400, "whole number");
        assertProblem(fineTune(few + "\"name\":true}"), 400, "'name' must be text");
        assertProblem(fineTune(few + "\"epochs\":5000}"), 422, "1 to 1000");
        assertProblem(fineTune("[".repeat(30000)), 400, "");
        assertProblem(fineTune(few + "\"epochs\":" + "9".repeat(3000) + "}"), 400, "");
    }

    @Test
    void adminUploadQueryValuesAreParsedLikeTheirJsonEquivalents() throws Exception {
        for (String query : new String[] {"epochs=abc", "epochs=", "color=maybe", "learningRate=1e999",
                "epochs=4294967297", "patience=1.5", "epochs=1&epochs=2", "epoch=3"}) {
            RawHttp.Answer a = RawHttp.send(f.port(true), ("POST /admin/v1/fine-tunes?" + query + " HTTP/1.1\r\n"
                    + "Host: x\r\nConnection: close\r\nAuthorization: Bearer " + HostileFixture.TOKEN + "\r\n"
                    + "Content-Type: application/zip\r\nContent-Length: 4\r\n\r\nPK\u0003\u0004")
                    .getBytes(StandardCharsets.ISO_8859_1), 10_000);
            assertProblem(a, 400, "'" + query.substring(0, query.indexOf('=')) + "'");
        }
        assertEquals(Set.of(), Set.copyOf(java.util.Arrays.asList(f.data.resolve("uploads").toFile().list())),
                "refused before anything was unpacked");
    }

    @Test
    void bothListenersStayHealthy() throws Exception {
        assertTrue(f.healthy());
    }
}
