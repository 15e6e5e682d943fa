package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The body idle timeout of both listeners, on the service started as in production: a body that stops arriving
 * is answered 408 once no byte of it came for {@code server.body-idle-timeout-ms} or
 * {@code admin.body-idle-timeout-ms}, with the request timeouts far longer, and a body that keeps arriving,
 * however slowly, is read whole.
 */
class BodyIdleTimeoutTest {

    private static final String TOKEN = "body-idle-test-token";
    /** Both listeners' body idle timeout in these tests. */
    private static final long BODY_IDLE_MS = 1500;
    /** Both listeners' request timeout: the 408s here must come from the body idle timeout. */
    private static final long REQUEST_MS = 600_000;
    /** Longest a test waits for an answer: far beyond the body idle timeout, far below the request timeout. */
    private static final long WAIT_MS = 120_000;

    private static Path tmp;
    private static ServingStack stack;

    @BeforeAll
    static void start() throws Exception {
        ServingStack.Folders folders = ServingStack.Folders.create("body-idle-");
        tmp = folders.tmp();
        stack = new ServingStack(ServingStack.config(folders.zoo(), folders.data(), TOKEN,
                "server.body-idle-timeout-ms", Long.toString(BODY_IDLE_MS), "admin.body-idle-timeout-ms",
                Long.toString(BODY_IDLE_MS), "server.request-timeout-ms", Long.toString(REQUEST_MS),
                "admin.request-timeout-ms", Long.toString(REQUEST_MS)));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
        try (Stream<Path> walk = Files.walk(tmp)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static void assertBodyIdle408(RawHttp.Answer a, String key) {
        assertEquals(408, a.status(), a.toString());
        assertEquals(Problem.MEDIA_TYPE, a.headers().get("content-type"), a.toString());
        String detail = new JsonObject(a.body()).getString("detail");
        assertTrue(detail.contains("stopped arriving") && detail.contains(key), a.toString());
        assertTrue(a.closed(), "the connection is closed: " + a);
    }

    @Test
    void adminBodyThatStopsMidwayGets408FromTheBodyIdleTimeout() throws Exception {
        RawHttp.Answer a = RawHttp.send(stack.admin.port(), "POST /admin/v1/fine-tunes HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
                + "\r\n{\"dataset\":", WAIT_MS);
        assertBodyIdle408(a, "admin.body-idle-timeout-ms");
    }

    @Test
    void publicBodyThatNeverStartsGets408FromTheBodyIdleTimeout() throws Exception {
        RawHttp.Answer a = RawHttp.send(stack.server.port(), "POST /v1/classify HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: image/png\r\nContent-Length: 1000\r\n\r\n", WAIT_MS);
        assertBodyIdle408(a, "server.body-idle-timeout-ms");
    }

    @Test
    void bodyThatKeepsArrivingSlowlyIsReadWholeThoughItTakesLongerThanTheLimit() throws Exception {
        byte[] body = "{\"dataset\":{\"folder\":\"few\"},\"epochs\":null}".getBytes(StandardCharsets.UTF_8);
        long gapMs = BODY_IDLE_MS / 10;
        assertTrue(body.length * gapMs > 3 * BODY_IDLE_MS, "the body takes longer than the limit to send");
        try (Socket s = new Socket("127.0.0.1", stack.admin.port())) {
            s.setTcpNoDelay(true);
            s.setSoTimeout((int) WAIT_MS);
            long start = System.nanoTime();
            OutputStream out = s.getOutputStream();
            out.write(("POST /admin/v1/fine-tunes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            for (byte b : body) {
                Thread.sleep(gapMs); // a slow client, not an interleaving: far below the limit between bytes
                out.write(b);
                out.flush();
            }
            RawHttp.Answer a = RawHttp.read(s, start, WAIT_MS);
            assertEquals(400, a.status(), a.toString());
            assertTrue(new JsonObject(a.body()).getString("detail").contains("'epochs' is null"),
                    "the whole body was read: " + a);
        }
    }
}
