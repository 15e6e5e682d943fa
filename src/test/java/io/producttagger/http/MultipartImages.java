package io.producttagger.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A {@code multipart/form-data} body of image parts, one per file, named {@code image} as the API reads them.
 *
 * @param contentType the request's {@code Content-Type}, with its boundary
 * @param body the encoded parts
 */
record MultipartImages(String contentType, byte[] body) {

    /** Encodes the files (name to bytes), in the map's order. */
    static MultipartImages of(Map<String, byte[]> files) {
        String boundary = "----tagger" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\""
                        + f.getKey() + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
                body.write(f.getValue());
                body.write("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new MultipartImages("multipart/form-data; boundary=" + boundary, body.toByteArray());
    }
}
