package io.producttagger.http;

import io.producttagger.model.ModelException;
import io.producttagger.training.TrainingException;
import io.producttagger.vision.VisionException;
import io.vertx.core.json.JsonObject;

/**
 * An RFC 9457 problem: the one place where failures become HTTP statuses and machine-readable reasons.
 *
 * <p>The problem's {@code type} is {@value #TYPE_PREFIX} followed by the reason ({@code too_large},
 * {@code unknown_model}, {@code invalid_model_name}, ...), so a client can tell problems apart without reading
 * the detail, which is for people. An image's reason is {@link VisionException#reason()}'s code.
 *
 * @param status the HTTP status
 * @param reason the machine-readable reason, lower case with underscores
 * @param title a short, fixed summary of the kind of problem
 * @param detail what was wrong with this request and what to do
 */
record Problem(int status, String reason, String title, String detail) {

    /** The media type of problem bodies. */
    static final String MEDIA_TYPE = "application/problem+json";

    /** What every problem {@code type} starts with; the reason follows. */
    static final String TYPE_PREFIX = "urn:product-tagger:problem:";

    /** A problem whose reason is the generic one of its status ({@code bad_request}, {@code not_found}, ...). */
    Problem(int status, String title, String detail) {
        this(status, reasonFor(status), title, detail);
    }

    /** Seconds a client should wait before retrying an overloaded server. */
    static final int RETRY_AFTER_SECONDS = 1;

    /**
     * Maps a failure to its problem, using the status Vert.x Web failed the request with when the failure is
     * not one of ours: Vert.x refuses some requests itself with a 4xx and an exception of its own (an HTTP/1.1
     * request without a valid Host header, a path that does not start with '/'), and those are the client's.
     *
     * @param status the status the routing context was failed with (-1 or 2xx when none was given)
     */
    static Problem of(Throwable failure, int status) {
        Problem p = of(failure);
        if (p.status() == 500 && status >= 400 && status < 500) {
            String message = failure.getMessage() == null ? titleFor(status) : failure.getMessage();
            return new Problem(status, titleFor(status), "the request was refused: " + message);
        }
        return p;
    }

    /** Maps any failure to its problem; unknown failures are 500s whose detail hides internals. */
    static Problem of(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (isMalformedBody(t)) {
            return new Problem(400, "malformed_body", "Bad request", "the request body could not be parsed as its Content-Type "
                    + "says: " + t.getMessage());
        }
        if (t instanceof HttpProblem p) {
            return new Problem(p.status(), titleFor(p.status()), p.getMessage());
        }
        if (t instanceof io.vertx.ext.web.handler.HttpException h && h.getStatusCode() >= 400
                && h.getStatusCode() < 500) {
            // a request Vert.x Web itself refused (a status it chose): the client's fault, with Vert.x's reason
            return new Problem(h.getStatusCode(), titleFor(h.getStatusCode()), "the request was refused: "
                    + (h.getPayload() != null ? h.getPayload() : h.getMessage()) + (h.getCause() == null ? ""
                    : " (" + h.getCause().getMessage() + ")"));
        }
        if (t instanceof VisionException v) {
            String reason = v.reason().code();
            if (t instanceof VisionException.Empty) {
                return new Problem(400, reason, "Empty image", t.getMessage());
            }
            if (t instanceof VisionException.UnsupportedFormat) {
                return new Problem(415, reason, "Unsupported image format", t.getMessage());
            }
            if (t instanceof VisionException.TooLarge) {
                return new Problem(422, reason, "Image too large", t.getMessage());
            }
            return new Problem(422, reason, "Image cannot be decoded", t.getMessage());
        }
        if (t instanceof ModelException.InvalidName) {
            return new Problem(400, "invalid_model_name", "Invalid model name", t.getMessage());
        }
        if (t instanceof ModelException.UnknownModel) {
            return new Problem(404, "unknown_model", "Unknown model", t.getMessage());
        }
        if (t instanceof io.producttagger.index.IndexException.InvalidName) {
            return new Problem(400, "invalid_index_name", "Invalid index name", t.getMessage());
        }
        if (t instanceof io.producttagger.index.IndexException.UnknownIndex) {
            return new Problem(404, "unknown_index", "Unknown index", t.getMessage());
        }
        if (t instanceof io.producttagger.index.IndexException.Busy) {
            return new Problem(409, "index_busy", "Index is being built", t.getMessage());
        }
        if (t instanceof io.producttagger.index.IndexException.UnknownJob) {
            return new Problem(404, "unknown_index_build", "Unknown index build job", t.getMessage());
        }
        if (t instanceof io.producttagger.catalog.CatalogException.InvalidArgument) {
            return new Problem(400, "invalid_catalog", "Invalid catalog", t.getMessage());
        }
        if (t instanceof io.producttagger.index.IndexException.ModelMismatch) {
            return new Problem(409, "index_model_mismatch", "Embedded by another model version", t.getMessage());
        }
        if (t instanceof ModelException.NotServable) {
            return new Problem(422, "not_servable", "Model cannot tag photos", t.getMessage());
        }
        if (t instanceof TrainingException.Invalid) {
            return new Problem(422, "invalid_fine_tune", "Invalid fine-tune request", t.getMessage());
        }
        if (t instanceof TrainingException.UnknownJob) {
            return new Problem(404, "unknown_job", "Unknown fine-tune job", t.getMessage());
        }
        if (t instanceof TrainingException.QueueFull) {
            return new Problem(503, "queue_full", "Fine-tune queue full", t.getMessage());
        }
        if (t instanceof ModelException.NothingToRollBack) {
            return new Problem(409, "nothing_to_roll_back", "Nothing to roll back", t.getMessage());
        }
        if (t instanceof io.vertx.core.json.DecodeException) {
            return new Problem(400, "malformed_json", "Bad request", "the body is not valid JSON: " + t.getMessage());
        }
        if (t instanceof ModelException.Overloaded) {
            return new Problem(503, "overloaded", "Overloaded", t.getMessage() + "; retry after "
                    + RETRY_AFTER_SECONDS + " s");
        }
        if (t instanceof ModelException.WorkerFailed) {
            // the server's fault but a passing one (a new worker is starting), so a retry, not a 500
            return new Problem(503, "worker_failed", "Inference worker failed", t.getMessage() + "; retry after "
                    + RETRY_AFTER_SECONDS + " s");
        }
        return new Problem(500, "Internal error", "the server failed to handle the request; see its log");
    }

    /**
     * Whether Netty's HTTP decoders rejected what the client sent (a body, a chunk size, a query): the client's
     * fault. They throw plain JDK exceptions too (a {@code NumberFormatException} for a chunk size of "zz"), so
     * an exception counts when Netty's HTTP codec threw it, before any frame of this service.
     */
    private static boolean isMalformedBody(Throwable t) {
        if (t instanceof io.netty.handler.codec.DecoderException
                || t instanceof io.netty.handler.codec.TooLongFrameException) {
            return true;
        }
        if (!(t instanceof IllegalArgumentException)) {
            return false;
        }
        for (StackTraceElement frame : t.getStackTrace()) {
            if (frame.getClassName().startsWith("io.producttagger.")) {
                return false;
            }
            if (frame.getClassName().startsWith("io.netty.handler.codec.http")) {
                return true;
            }
        }
        return false;
    }

    /** What a status says when nothing more specific is known: its machine-readable reason and its title. */
    private record Generic(String reason, String title) {}

    private static Generic genericFor(int status) {
        return switch (status) {
            case 400 -> new Generic("bad_request", "Bad request");
            case 401 -> new Generic("unauthorized", "Unauthorized");
            case 404 -> new Generic("not_found", "Not found");
            case 405 -> new Generic("method_not_allowed", "Method not allowed");
            case 406 -> new Generic("not_acceptable", "Request error");
            case 408 -> new Generic("request_timeout", "Request timeout");
            case 413 -> new Generic("payload_too_large", "Payload too large");
            case 414 -> new Generic("uri_too_long", "URI too long");
            case 415 -> new Generic("unsupported_media_type", "Unsupported media type");
            case 422 -> new Generic("unprocessable", "Unprocessable image");
            case 431 -> new Generic("header_fields_too_large", "Request header fields too large");
            case 503 -> new Generic("overloaded", "Overloaded");
            case 505 -> new Generic("http_version_not_supported", "HTTP version not supported");
            default -> status >= 500 ? new Generic("internal_error", "Internal error")
                    : new Generic("request_error", "Request error");
        };
    }

    /** The generic reason of a status ({@code bad_request}, {@code not_found}, ...). */
    static String reasonFor(int status) {
        return genericFor(status).reason();
    }

    /** The generic title of a status. */
    static String titleFor(int status) {
        return genericFor(status).title();
    }

    /** Returns the problem as a JSON object (also used for one failed image inside a multi-image answer). */
    JsonObject toJson() {
        return new JsonObject().put("type", TYPE_PREFIX + reason).put("title", title).put("status", status)
                .put("detail", detail);
    }
}
