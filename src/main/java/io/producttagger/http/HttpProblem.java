package io.producttagger.http;

/** A request the HTTP layer refuses itself (bad parameter, media type, upload count), with its status. */
final class HttpProblem extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    HttpProblem(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }

    static HttpProblem badRequest(String message) {
        return new HttpProblem(400, message);
    }
}
