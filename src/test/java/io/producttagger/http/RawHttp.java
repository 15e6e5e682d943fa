package io.producttagger.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Sends bytes exactly as given over a plain socket and reads what comes back: for requests no HTTP client would
 * send (broken request lines, missing Host, folded headers, bodies shorter than their Content-Length).
 */
final class RawHttp {

    private RawHttp() {}

    /**
     * What came back on one connection.
     *
     * @param status the first response's status, or 0 when none came
     * @param headers its headers, names lower-cased
     * @param body its body (by Content-Length, else whatever arrived before the connection closed)
     * @param closed whether the server closed the connection before the read deadline
     * @param millis how long until the answer (or the close, or the deadline)
     */
    record Answer(int status, Map<String, String> headers, String body, boolean closed, long millis) {
        /** Describes the answer for assertion messages. */
        @Override
        public String toString() {
            return "status=" + status + " closed=" + closed + " after " + millis + " ms headers=" + headers + " body="
                    + (body.length() > 300 ? body.substring(0, 300) + "..." : body);
        }
    }

    /**
     * Sends {@code request} and reads the first answer, waiting at most {@code waitMs} for it; then waits a
     * moment to tell whether the server closes the connection.
     */
    static Answer send(int port, byte[] request, long waitMs) throws IOException {
        return send(port, request, waitMs, true);
    }

    /** Sends {@code request} and reads the first answer; {@code probeClose} waits to see whether the server closes. */
    static Answer send(int port, byte[] request, long waitMs, boolean probeClose) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) waitMs);
            long start = System.nanoTime();
            try {
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
            } catch (java.net.SocketException e) {
                // the server may answer and close before a large hostile request is fully written
            }
            return read(s, start, waitMs, probeClose);
        }
    }

    /** Sends {@code request} as text (ISO-8859-1, so every char is one byte). */
    static Answer send(int port, String request, long waitMs) throws IOException {
        return send(port, request.getBytes(StandardCharsets.ISO_8859_1), waitMs);
    }

    /** Reads one answer from an open socket whose read timeout bounds each wait. */
    static Answer read(Socket s, long start, long waitMs) throws IOException {
        return read(s, start, waitMs, true);
    }

    private static Answer read(Socket s, long start, long waitMs, boolean probeClose) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        long deadline = start + waitMs * 1_000_000L;
        try {
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                byte[] h = head.toByteArray();
                int n = h.length;
                if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    return new Answer(0, Map.of(), head.toString(StandardCharsets.ISO_8859_1), false, ms(start));
                }
            }
            if (b < 0 && head.size() == 0) {
                return new Answer(0, Map.of(), "", true, ms(start));
            }
        } catch (SocketTimeoutException e) {
            return new Answer(0, Map.of(), head.toString(StandardCharsets.ISO_8859_1), false, ms(start));
        } catch (java.net.SocketException e) {
            return new Answer(0, Map.of(), head.toString(StandardCharsets.ISO_8859_1), true, ms(start));
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = 0;
        String[] first = lines[0].split(" ");
        // Vert.x echoes the request's protocol token in the status line (FOO/1.1 505 ...), so any TOKEN/d.d counts
        if (first.length >= 2 && first[0].matches("[!-~]+/\\d\\.\\d") && first[1].matches("\\d{3}")) {
            status = Integer.parseInt(first[1]);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean closed = false;
        try {
            if (headers.containsKey("content-length")) {
                body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                body.write(chunked(in));
            } else {
                body.write(in.readAllBytes());
                closed = true;
            }
            long answered = ms(start);
            if (!closed && probeClose) {
                // is the connection closed after the answer? a short wait tells
                int timeout = s.getSoTimeout();
                s.setSoTimeout(300);
                try {
                    closed = in.read() < 0;
                } catch (SocketTimeoutException e) {
                    closed = false;
                } catch (java.net.SocketException e) {
                    closed = true;
                }
                s.setSoTimeout(timeout);
            }
            return new Answer(status, headers, new String(decoded(body.toByteArray(), headers.get("content-encoding")),
                    StandardCharsets.UTF_8), closed, answered);
        } catch (SocketTimeoutException e) {
            return new Answer(status, headers, body.toString(StandardCharsets.UTF_8), false, ms(start));
        }
    }

    /** The body without its content coding (the server compresses when the request accepts it). */
    private static byte[] decoded(byte[] body, String coding) throws IOException {
        if ("gzip".equalsIgnoreCase(coding)) {
            return new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body)).readAllBytes();
        }
        if ("deflate".equalsIgnoreCase(coding)) {
            return new java.util.zip.InflaterInputStream(new java.io.ByteArrayInputStream(body)).readAllBytes();
        }
        return body;
    }

    private static byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            StringBuilder line = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            int size = Integer.parseInt(line.toString().split(";")[0].trim(), 16);
            if (size == 0) {
                in.readNBytes(2);
                return out.toByteArray();
            }
            out.write(in.readNBytes(size));
            in.readNBytes(2);
        }
    }

    private static long ms(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
