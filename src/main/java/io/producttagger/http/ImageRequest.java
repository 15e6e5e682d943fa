package io.producttagger.http;

import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The images of a request to an image endpoint ({@code /v1/classify}, {@code /v1/embed}): one image as the raw
 * body, or several as {@code multipart/form-data} file parts, with the form's other fields.
 *
 * @param inputs the images, in order
 * @param fields the multipart form's non-file fields (empty for a raw body)
 * @param multipart whether the images came as multipart parts (each then fails alone)
 */
record ImageRequest(List<Input> inputs, Map<String, String> fields, boolean multipart) {

    /**
     * One image of the request.
     *
     * @param name its part's file name (or part name), or {@code body}
     * @param bytes its encoded bytes
     */
    record Input(String name, byte[] bytes) {}

    /** Reads the request's images from a body {@link BodyIsRaw} kept raw; at most {@code maxImages} parts. */
    static ImageRequest of(RoutingContext ctx, int maxImages) {
        String contentType = ctx.get(CONTENT_TYPE);
        String type = mediaType(contentType);
        byte[] body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        List<Input> inputs = new ArrayList<>();
        boolean multipart = type.equals("multipart/form-data");
        Map<String, String> fields = Map.of();
        if (multipart) {
            MultipartBody parts = MultipartBody.parse(contentType, body, maxImages);
            if (parts.files().isEmpty()) {
                throw HttpProblem.badRequest("the multipart request holds no file parts; send each image as a "
                        + "file part");
            }
            for (MultipartBody.Part f : parts.files()) {
                inputs.add(new Input(f.fileName().isBlank() ? f.name() : f.fileName(), f.content()));
            }
            fields = parts.fields();
        } else if (type.startsWith("image/") || type.equals("application/octet-stream")
                || type.equals("application/x-www-form-urlencoded")) {
            if (body.length == 0) {
                throw HttpProblem.badRequest("the request body is empty; send the image bytes as the body");
            }
            inputs.add(new Input("body", body));
        } else {
            throw new HttpProblem(415, "Content-Type '" + (type.isEmpty() ? "(none)" : type)
                    + "' is not supported; send one image as image/* (or application/octet-stream) or several "
                    + "as multipart/form-data");
        }
        return new ImageRequest(inputs, fields, multipart);
    }

    /** The request's own Content-Type, kept before {@link BodyIsRaw} hides it from the body handler. */
    static final String CONTENT_TYPE = "imageRequest.contentType";

    /**
     * Makes the body handler collect every body as raw bytes: multipart bodies are parsed by
     * {@link MultipartBody} (Netty's decoder failed on malformed ones and spooled parts to disk), and an
     * {@code application/x-www-form-urlencoded} body is raw image bytes, since that is what
     * {@code curl --data-binary @photo.jpg} sends without {@code -H Content-Type} and this endpoint takes no
     * url-encoded forms. A platform handler, because it must run before the body handler looks at the type.
     */
    static final class BodyIsRaw implements io.vertx.ext.web.handler.PlatformHandler {
        @Override
        public void handle(RoutingContext ctx) {
            String type = ctx.request().getHeader("Content-Type");
            ctx.put(CONTENT_TYPE, type);
            String media = mediaType(type);
            if (media.equals("application/x-www-form-urlencoded") || media.startsWith("multipart/")) {
                ctx.request().headers().set("Content-Type", "application/octet-stream");
            }
            ctx.next();
        }
    }

    static String mediaType(String header) {
        if (header == null) {
            return "";
        }
        int semi = header.indexOf(';');
        return (semi < 0 ? header : header.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }
}
