package io.producttagger.http;

import io.producttagger.TestSupport;
import io.producttagger.vision.OpenCv;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * Generates hostile requests from a seed, family by family: image bytes, raw HTTP, multipart bodies, admin
 * options (JSON and upload queries), archives and data-set paths. Each case is the exact bytes sent on one
 * connection, the listener it goes to, and the statuses a correct server may answer; the same seed gives the same
 * cases, so a failure can be replayed from the seed and the case number its message prints.
 */
final class HostileInputs {

    /**
     * One generated request.
     *
     * @param family the family it belongs to
     * @param label what kind of input it is
     * @param admin whether it goes to the admin listener
     * @param request the bytes sent
     * @param allowed statuses a correct server may answer (all others, 5xx above all, fail the case)
     */
    record Case(String family, String label, boolean admin, byte[] request, Set<Integer> allowed) {
        /** The request, printable: non-ASCII and control bytes as {@code \xNN}, cut at 1,500 characters. */
        String printable() {
            StringBuilder out = new StringBuilder();
            for (byte b : request) {
                int c = b & 0xff;
                if (c == '\r') {
                    out.append("\\r");
                } else if (c == '\n') {
                    out.append("\\n\n");
                } else if (c >= 0x20 && c < 0x7f) {
                    out.append((char) c);
                } else {
                    out.append(String.format("\\x%02x", c));
                }
                if (out.length() > 1500) {
                    return out.append("... (" + request.length + " bytes in all)").toString();
                }
            }
            return out.toString();
        }
    }

    /** Statuses of a refused classify request. */
    static final Set<Integer> CLASSIFY_REFUSED = Set.of(400, 413, 415, 422);
    private static final Set<Integer> CLASSIFY_ANY = Set.of(200, 400, 413, 415, 422);
    private static final Set<Integer> ADMIN_REFUSED = Set.of(400, 413, 415, 422);
    private static final Set<Integer> HTTP_ANY = Set.of(200, 400, 404, 405, 413, 414, 415, 431, 505);

    private final Random random;
    private final String token;
    private final List<byte[]> images;
    private final byte[] fewZip;

    /**
     * @param seed the seed every case derives from
     * @param token the admin bearer token
     * @param fewZip a valid zip of label folders with too few images per label (so a valid request is a 422,
     *     never a job)
     */
    HostileInputs(long seed, String token, byte[] fewZip) {
        this.random = new Random(seed);
        this.token = token;
        this.fewZip = fewZip;
        this.images = validImages();
    }

    /** Small valid images of every supported format, from the committed test set. */
    private static List<byte[]> validImages() {
        byte[] jpeg = TestSupport.photo(TestSupport.fashionTest(), 5, 96, ".jpg");
        Mat m = Imgcodecs.imdecode(new MatOfByte(jpeg), Imgcodecs.IMREAD_COLOR);
        try {
            List<byte[]> out = new ArrayList<>();
            out.add(jpeg);
            for (String ext : new String[] {".png", ".webp", ".bmp", ".tiff"}) {
                out.add(OpenCv.encode(m, ext));
            }
            return out;
        } finally {
            m.release();
        }
    }

    private <T> T pick(List<T> options) {
        return options.get(random.nextInt(options.size()));
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[random.nextInt(options.length)];
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    // ---- request framing

    private byte[] http(String method, String target, String headers, String contentType, byte[] body, boolean admin) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Connection: close\r\n");
        if (admin) {
            head.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        head.append(headers);
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    private Case classify(String label, String contentType, byte[] body, Set<Integer> allowed) {
        return new Case("image", label, false, http("POST", "/v1/classify", "", contentType, body, false), allowed);
    }

    // ---- image bytes

    /** Broken, bomb and valid images as raw classify bodies. */
    List<Case> images(int n) {
        List<Case> cases = new ArrayList<>();
        List<Supplier<Case>> kinds = List.of(
                () -> classify("a valid image", pick("image/jpeg", "image/png", "application/octet-stream"),
                        pick(images), Set.of(200)),
                () -> {
                    byte[] img = pick(images);
                    int cut = random.nextInt(img.length);
                    return classify("truncated to " + cut + " of " + img.length + " bytes", "image/jpeg",
                            java.util.Arrays.copyOf(img, cut), CLASSIFY_ANY);
                },
                () -> {
                    byte[] img = pick(images).clone();
                    int flips = 1 + random.nextInt(20);
                    for (int i = 0; i < flips; i++) {
                        img[random.nextInt(img.length)] = (byte) random.nextInt(256);
                    }
                    return classify(flips + " bytes flipped", "image/png", img, CLASSIFY_ANY);
                },
                () -> classify("random bytes", "image/jpeg", randomBytes(1 + random.nextInt(5000)), CLASSIFY_REFUSED),
                () -> {
                    String magic = pick("\u00ff\u00d8\u00ff", "\u0089PNG\r\n\u001a\n", "GIF89a", "BM", "II*\u0000",
                            "MM\u0000*", "RIFF\u0000\u0000\u0000\u0000WEBP", "\u0000\u0000\u0000\u0018ftypheic");
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    b.writeBytes(magic.getBytes(StandardCharsets.ISO_8859_1));
                    b.writeBytes(randomBytes(random.nextInt(200)));
                    return classify("a format's magic then junk", "image/jpeg", b.toByteArray(), CLASSIFY_REFUSED);
                },
                () -> {
                    int w = pick(30000, 65535, 100000, 1 << 30, -1);
                    int h = pick(30000, 65535, 100000, 1 << 30, 1);
                    return classify("PNG header claiming " + w + "x" + h, "image/png", pngBomb(w, h), CLASSIFY_REFUSED);
                },
                () -> {
                    int w = pick(30000, 65500, 1);
                    int h = pick(30000, 65500, 0);
                    return classify("JPEG header claiming " + w + "x" + h, "image/jpeg", jpegBomb(w, h),
                            CLASSIFY_REFUSED);
                },
                () -> classify("an empty body", pick("image/png", "application/octet-stream"), new byte[0],
                        Set.of(400)),
                () -> classify("an image under a type that is not an image", pick("text/plain", "application/json",
                        "video/mp4", "multipart/mixed; boundary=x"), pick(images), Set.of(415)),
                () -> {
                    byte[] img = pick(images);
                    byte[] twice = new byte[img.length * 2];
                    System.arraycopy(img, 0, twice, 0, img.length);
                    System.arraycopy(img, 0, twice, img.length, img.length);
                    return classify("an image followed by another", "image/jpeg", twice, CLASSIFY_ANY);
                });
        for (int i = 0; i < n; i++) {
            cases.add(pick(kinds).get());
        }
        return cases;
    }

    /** A PNG signature and IHDR (valid CRC) claiming a huge size, and no pixel data. */
    private static byte[] pngBomb(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13});
        byte[] chunk = new byte[17];
        chunk[0] = 'I';
        chunk[1] = 'H';
        chunk[2] = 'D';
        chunk[3] = 'R';
        java.nio.ByteBuffer.wrap(chunk, 4, 8).putInt(w).putInt(h);
        chunk[12] = 8;
        chunk[13] = 2;
        out.writeBytes(chunk);
        CRC32 crc = new CRC32();
        crc.update(chunk);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        return out.toByteArray();
    }

    /** SOI, a baseline SOF0 claiming a huge size, and EOI. */
    private static byte[] jpegBomb(int w, int h) {
        return new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0, 0, 11, 8, (byte) (h >> 8), (byte) h,
            (byte) (w >> 8), (byte) w, 1, 1, 0x11, 0, (byte) 0xFF, (byte) 0xD9};
    }

    // ---- raw HTTP

    /** Request lines, versions, headers and framing no well-behaved client sends, all complete. */
    List<Case> http(int n) {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean admin = random.nextInt(3) == 0;
            // no HEAD: its answer has a Content-Length but no body, which the reader would wait for
            String method = pick("GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "get", "BREW", "M" + i,
                    "G\u00c9T", "X".repeat(200));
            String path = admin ? pick("/admin/v1/fine-tunes", "/admin/v1/fine-tunes/nope", "/admin/v1/openapi.yaml",
                    "/admin/v1/models/fashion/rollback") : pick("/health", "/health/ready", "/v1/models",
                    "/v1/models/fashion", "/v1/classify", "/metrics", "/nope");
            String query = pick("", "?topK=3", "?topK=%zz", "?x=%", "?%00=1", "?a=%e9", "?limit=%G0", "?state=%",
                    "?" + "q=1&".repeat(300), "?topK=1e99", "?threshold=NaN", "?model=..%2f..%2fetc");
            String target = pick(path + query, "*", "http://127.0.0.1" + path, path + "/../" + path, "//" + path,
                    path + "%2F..%2F", path + "#frag", path.replace("/", "%2f"), "/" + "a".repeat(3000), path + query);
            String version = pick("HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/1.2", "HTTP/2.0",
                    "HTTP/0.9", "http/1.1", "HTTP/1.1 extra", "HTTP/11", "FOO/1.1");
            StringBuilder headers = new StringBuilder();
            boolean close = true;
            int extra = random.nextInt(4);
            for (int h = 0; h < extra; h++) {
                headers.append(pick("X-A: 1\r\n", "X-Empty:\r\n", "X B: 2\r\n", "NoColon\r\n", " folded: x\r\n",
                        "X-Folded: a\r\n b\r\n", "X-Ctl: a\u0001b\r\n", "X-High: \u00e9\u00ff\r\n",
                        "Expect: 100-continue\r\n", "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n",
                        "Content-Length: abc\r\n",
                        "Content-Length: 5\r\n", "Content-Length: -1\r\n", "Host: other\r\n",
                        "X-Request-Id: " + "i".repeat(500) + "\r\n", "Content-Type: multipart/form-data\r\n",
                        "Content-Encoding: gzip\r\n", "Accept-Encoding: gzip, br\r\n",
                        "X-Big: " + "b".repeat(random.nextInt(10000)) + "\r\n"));
            }
            if (admin && random.nextInt(4) > 0) {
                headers.append("Authorization: ").append(pick("Bearer " + token, "Bearer wrong", "Basic x", "Bearer ",
                        "bearer " + token)).append("\r\n");
            }
            String hostLine = pick("Host: 127.0.0.1\r\n", "Host: 127.0.0.1\r\n", "", "Host: \r\n",
                    "Host: a\r\nHost: b\r\n", "Host: x y\r\n");
            byte[] data = random.nextBoolean() ? new byte[0] : randomBytes(random.nextInt(300));
            // every framing is complete (a body that never ends is a test of its own, it waits for a timeout)
            int framing = random.nextInt(6);
            String lengthHeader = framing <= 2 ? "Content-Length: " + data.length + "\r\n"
                    : framing == 5 ? "Content-Length: " + data.length + "\r\nTransfer-Encoding: chunked\r\n"
                    : "Transfer-Encoding: chunked\r\n";
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (framing <= 2) {
                body.writeBytes(data);
            } else {
                String size = framing == 4 ? pick("zz", "-1", "ffffffffffffffffff", "1;" + "e".repeat(9000))
                        : Integer.toHexString(data.length);
                if (data.length > 0 || framing == 4) {
                    body.writeBytes((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    body.writeBytes(data);
                    body.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
                body.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            String head = method + " " + target + " " + version + "\r\n" + hostLine + (close ? "Connection: close\r\n"
                    : "") + headers + lengthHeader + "\r\n";
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(body.toByteArray());
            // any of the router's statuses: what matters is a 4xx problem or a 200, never a 5xx or silence
            Set<Integer> allowed = withAdmin(HTTP_ANY, admin);
            if (framing == 4) {
                // a chunk size Netty cannot read ends the stream: Vert.x closes the connection at once, and an
                // answer written for it is discarded with the close (status 0: closed without an answer)
                allowed = new java.util.HashSet<>(allowed);
                allowed.add(0);
                allowed = Set.copyOf(allowed);
            }
            cases.add(new Case("http", (method.length() > 20 ? "a long method" : method + " " + version)
                    + (framing == 4 ? ", broken chunk size" : ""), admin, out.toByteArray(), allowed));
        }
        return cases;
    }

    private static Set<Integer> withAdmin(Set<Integer> statuses, boolean admin) {
        if (!admin) {
            return statuses;
        }
        java.util.Set<Integer> s = new java.util.HashSet<>(statuses);
        s.add(401);
        s.add(409);
        s.add(422);
        return Set.copyOf(s);
    }

    // ---- multipart

    /** Multipart bodies built part by part, each piece valid or broken. */
    List<Case> multipart(int n) {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String boundary = pick("b" + i, "----WebKitFormBoundary" + Long.toHexString(random.nextLong()),
                    "\"quoted " + i + "\"", "", "x".repeat(71), "a;b", "-", "\u00e9t\u00e9");
            String typeParams = pick("; boundary=" + boundary, "; boundary=" + boundary, "; BOUNDARY=" + boundary,
                    "", "; boundary", "; charset=utf-8; boundary=" + boundary);
            String delim = boundary.startsWith("\"") ? boundary.substring(1, boundary.length() - 1) : boundary;
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            boolean valid = typeParams.toLowerCase().contains("boundary=") && !boundary.isEmpty()
                    && boundary.length() <= 70 && !boundary.equals("\u00e9t\u00e9");
            if (random.nextInt(5) == 0) {
                body.writeBytes("a preamble\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            int parts = pick(0, 1, 1, 2, 3, 5, 30);
            int files = 0;
            for (int p = 0; p < parts; p++) {
                body.writeBytes(("--" + delim + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                int kind = random.nextInt(12);
                String headers = switch (kind) {
                    case 0 -> "Content-Type: image/jpeg";
                    case 1 -> "Content-Disposition: attachment; filename=\"a.jpg\"";
                    case 2 -> "Content-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\nbroken line";
                    case 3 -> "Content-Disposition: form-data;\r\n name=\"image\"; filename=\"a.jpg\"";
                    case 4 -> "Content-Disposition: form-data; name=\"topK\"";
                    case 5 -> "Content-Disposition: form-data; filename=\"a.jpg\"";
                    case 6 -> "Content-Disposition: form-data; name=\"image\"; filename=\"" + "n".repeat(9000) + "\"";
                    default -> "Content-Disposition: form-data; name=\"image\"; filename=\"p" + p + ".jpg\"\r\n"
                            + "Content-Type: " + pick("image/jpeg", "application/octet-stream", "text/plain");
                };
                valid &= kind == 4 || kind >= 7;
                if (kind >= 7) {
                    files++;
                }
                body.writeBytes((headers + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
                if (kind == 4) {
                    String topK = pick("3", "0", "abc", "", "1e9", "7".repeat(2000));
                    valid &= topK.equals("3");
                    body.writeBytes(topK.getBytes(StandardCharsets.ISO_8859_1));
                } else {
                    body.writeBytes(random.nextInt(4) == 0 ? randomBytes(random.nextInt(400)) : pick(images));
                }
                body.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            String end = pick("--" + delim + "--\r\n", "--" + delim + "--", "--" + delim + "--\r\nan epilogue",
                    "", "--" + delim + "\r\n", "--" + delim + "-");
            valid &= end.startsWith("--" + delim + "--");
            body.writeBytes(end.getBytes(StandardCharsets.ISO_8859_1));
            valid &= files >= 1 && files <= 4;
            String query = pick("", "?topK=2", "?threshold=2");
            // a request valid in every piece must be tagged (each image alone may fail inside the 200)
            Set<Integer> allowed = valid && !query.contains("threshold") && !boundary.equals("a;b") ? Set.of(200)
                    : CLASSIFY_ANY;
            cases.add(new Case("multipart", parts + " parts, " + (allowed.size() == 1 ? "valid" : "broken somewhere"),
                    false, http("POST", "/v1/classify" + query, "", "multipart/form-data" + typeParams,
                            body.toByteArray(), false), allowed));
        }
        return cases;
    }

    // ---- admin options

    private static final List<String> OPTIONS = List.of("baseModel", "name", "headOnlyEpochs", "epochs",
            "headLearningRate", "learningRate", "batchSize", "validationFraction", "patience", "seed", "color");

    private Object hostileValue() {
        return pick(null, true, false, "5", "", 0, 1, -1, 1.5, 3.0, 4294967297L,
                new java.math.BigInteger("18446744073709551616"), new java.math.BigDecimal("1e999"),
                new java.math.BigDecimal("-1e999"), new java.math.BigDecimal("1e-999"), Integer.MAX_VALUE,
                Integer.MIN_VALUE, 0.5, 0.95, "fashion", "fashion@1", "fashion@99", "../x", "x".repeat(5000),
                List.of(1), java.util.Map.of("a", 1), "caf\u00e9", "NaN", "Infinity", "0x10", "1_000");
    }

    /** Fine-tune requests whose options are hostile, as JSON bodies and as upload query strings. */
    List<Case> adminOptions(int n) {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            java.util.Map<String, Object> options = new java.util.LinkedHashMap<>();
            int count = 1 + random.nextInt(4);
            for (int k = 0; k < count; k++) {
                options.put(random.nextInt(10) == 0 ? pick("epoch", "", "__proto__", "dataset ") : pick(OPTIONS),
                        hostileValue());
            }
            if (random.nextBoolean()) {
                String json = random.nextInt(12) == 0 ? pick("[1,2]", "\"text\"", "42", "null", "{", "{\"a\":}",
                        "{\"dataset\":\"few\"}", "{\"dataset\":{\"folder\":7}}", "[".repeat(30000),
                        "{\"dataset\":{\"folder\":\"few\"},\"epochs\":" + "9".repeat(3000) + "}",
                        "{\"dataset\":{\"folder\":\"few\"},\"epochs\":3,\"epochs\":4}", "\ufeff{}")
                        : jsonWith(options, "{\"folder\":\"few\"}");
                cases.add(new Case("admin-options", "JSON " + options.keySet(), true, http("POST",
                        "/admin/v1/fine-tunes", "", "application/json", json.getBytes(StandardCharsets.UTF_8), true),
                        ADMIN_REFUSED));
            } else {
                StringBuilder q = new StringBuilder();
                options.forEach((k, v) -> q.append(q.length() == 0 ? "?" : "&")
                        .append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                        .append(v == null ? "" : URLEncoder.encode(String.valueOf(v), StandardCharsets.UTF_8)));
                // a 5,000-character value makes the request line too long: 414 is right for it
                cases.add(new Case("admin-options", "upload query " + options.keySet(), true, http("POST",
                        "/admin/v1/fine-tunes" + q, "", "application/zip", fewZip, true),
                        q.length() > 4000 ? Set.of(414) : ADMIN_REFUSED));
            }
        }
        return cases;
    }

    private static String jsonWith(java.util.Map<String, Object> options, String dataset) {
        StringBuilder json = new StringBuilder("{\"dataset\":" + dataset);
        options.forEach((k, v) -> json.append(",\"").append(k).append("\":").append(jsonValue(v)));
        return json.append('}').toString();
    }

    private static String jsonValue(Object v) {
        if (v == null || v instanceof Boolean || v instanceof Number) {
            return v instanceof java.math.BigDecimal b ? b.toString() : String.valueOf(v);
        }
        if (v instanceof List<?> l) {
            return l.toString();
        }
        if (v instanceof java.util.Map<?, ?>) {
            return "{\"a\":1}";
        }
        return io.vertx.core.json.Json.encode(v);
    }

    // ---- archives

    /** Uploaded archives: zip slip, links, bombs, corruption, bad names, wrong types. */
    List<Case> archives(int n) {
        List<Case> cases = new ArrayList<>();
        List<Supplier<Object[]>> kinds = List.of(
                () -> new Object[] {"an unsafe entry name", zip(List.of(pick("../evil.jpg", "/abs/evil.jpg",
                        "C:\\evil.jpg", "a\\..\\..\\evil.jpg", "a/../../evil.jpg", "a/\u0000b.jpg", "./../e.jpg",
                        "a/" + "n".repeat(300) + ".jpg", "..", "a/b/../../../e.jpg")), false)},
                () -> new Object[] {"a zip entry name that is not UTF-8", zip(List.of("a/caf\u00e9.jpg",
                        "b/\u00ff\u00fe.jpg"), true)},
                () -> new Object[] {"a non-ASCII entry name", zip(List.of("\u00e9t\u00e9/1.jpg", "\u65e5/2.jpg"),
                        false)},
                () -> new Object[] {"a zip bomb", zipBomb(9_000_000)},
                () -> new Object[] {"more entries than finetune.max-upload-files", zip(many(45), false)},
                () -> new Object[] {"a corrupted zip", corrupt(fewZip)},
                () -> new Object[] {"a truncated zip", java.util.Arrays.copyOf(fewZip, random.nextInt(fewZip.length))},
                () -> new Object[] {"a tar with a " + "link", tarGz(pick('1', '2', '3', '4', '6', 'L', 'K'), true)},
                () -> new Object[] {"a tar with a bad checksum", tarGz('0', false)},
                () -> new Object[] {"a truncated tar.gz", java.util.Arrays.copyOf(tarGz('0', true),
                        10 + random.nextInt(60))},
                () -> new Object[] {"a gzip bomb", gzipBomb(9_000_000)},
                () -> new Object[] {"bytes that are no archive", randomBytes(random.nextInt(2000))},
                () -> new Object[] {"an empty body", new byte[0]},
                () -> new Object[] {"the valid archive, too few images per label", fewZip});
        for (int i = 0; i < n; i++) {
            Object[] k = pick(kinds).get();
            String type = pick("application/zip", "application/gzip", "application/x-tar", "application/x-gzip",
                    "application/zip", "text/plain");
            cases.add(new Case("archive", (String) k[0] + " as " + type, true, http("POST",
                    "/admin/v1/fine-tunes?baseModel=fashion&name=hostile", "", type, (byte[]) k[1], true),
                    ADMIN_REFUSED));
        }
        return cases;
    }

    private List<String> many(int count) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add((i % 2 == 0 ? "a/" : "b/") + i + ".jpg");
        }
        return names;
    }

    private byte[] zip(List<String> names, boolean latin1) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = latin1 ? new ZipOutputStream(bytes, StandardCharsets.ISO_8859_1)
                : new ZipOutputStream(bytes)) {
            for (String name : names) {
                out.putNextEntry(new ZipEntry(name));
                out.write(pick(images));
                out.closeEntry();
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            return ("a zip the JDK would not write: " + e).getBytes(StandardCharsets.UTF_8);
        }
        return bytes.toByteArray();
    }

    private static byte[] zipBomb(int size) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.setLevel(Deflater.BEST_COMPRESSION);
            out.putNextEntry(new ZipEntry("a/zeros.jpg"));
            out.write(new byte[size]);
            out.closeEntry();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] gzipBomb(int size) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            byte[] header = tarHeader("a/zeros.jpg", '0', size, true);
            out.write(header);
            out.write(new byte[size]);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private byte[] corrupt(byte[] good) {
        byte[] bad = good.clone();
        int flips = 1 + random.nextInt(8);
        for (int i = 0; i < flips; i++) {
            bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
        }
        return bad;
    }

    private byte[] tarGz(char type, boolean goodChecksum) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            byte[] body = pick(images);
            out.write(tarHeader("a/1.jpg", '0', body.length, goodChecksum));
            out.write(body);
            out.write(new byte[(512 - body.length % 512) % 512]);
            out.write(tarHeader("b/link.jpg", type, 0, true));
            out.write(new byte[1024]);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] tarHeader(String name, char type, long size, boolean goodChecksum) {
        return io.producttagger.training.data.DatasetArchiveTestAccess.tarHeader(name, type, size, goodChecksum);
    }

    // ---- paths

    /**
     * Data-set paths that leave or try to leave the data root, through {@code ..}, absolute names, links the
     * fixture created ({@code linked} is a link to a folder outside, {@code labels-linked} holds a label folder
     * that is one, the manifests name files outside, links to files outside, or missing files).
     */
    List<Case> paths(int n) {
        List<Case> cases = new ArrayList<>();
        List<String> paths = List.of("..", "../outside", "/etc", "/", "few/../..", "few/../../outside", "linked",
                "linked/bags", "labels-linked", "manifest-outside.csv", "manifest-link.csv", "manifest-missing.csv",
                "", " ", "\u0000", "few\u0000", "a\\..\\..\\outside", "~", "~/x", "%2e%2e", "./../outside",
                "few/./../../outside", "x".repeat(5000), "\u00e9t\u00e9", "few//..//..", "uploads/../..",
                "nosuch", "few/bags/img0.jpg");
        for (int i = 0; i < n; i++) {
            String p = pick(paths);
            String kind = pick("folder", "manifest");
            String json = "{\"dataset\":{\"" + kind + "\":" + io.vertx.core.json.Json.encode(p)
                    + "},\"baseModel\":\"fashion\",\"name\":\"paths\"}";
            cases.add(new Case("path", kind + " '" + (p.length() > 40 ? p.substring(0, 40) + "..." : p) + "'", true,
                    http("POST", "/admin/v1/fine-tunes", "", "application/json",
                            json.getBytes(StandardCharsets.UTF_8), true), Set.of(400, 422)));
        }
        return cases;
    }
}
