package io.producttagger.vision;

/**
 * An image cannot be used; each subclass names one reason and its message says what to do.
 * The HTTP layer maps each subclass to a status in one place; {@link #reason()} is a stable,
 * machine-readable code for problem bodies and metrics.
 */
public class VisionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A machine-readable reason; {@link #code()} is the stable text form. */
    public enum Reason {
        /** No bytes at all. */
        EMPTY,
        /** Unknown magic bytes or a format (or variant) that is not decoded. */
        UNSUPPORTED_FORMAT,
        /** A known format whose data cannot be decoded. */
        CORRUPT,
        /** A known format whose data ends too early. */
        TRUNCATED,
        /** More pixels than the configured limit. */
        TOO_LARGE;

        /** Returns the reason in lower case with underscores, e.g. {@code too_large}. */
        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Reason reason;

    /** Creates the exception with a message for people. */
    public VisionException(String message) {
        this(message, Reason.CORRUPT);
    }

    /** Creates the exception with a message for people and a machine-readable reason. */
    public VisionException(String message, Reason reason) {
        super(message);
        this.reason = reason;
    }

    /** Returns the machine-readable reason. */
    public Reason reason() {
        return reason;
    }

    /** The input holds no bytes. */
    public static final class Empty extends VisionException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public Empty(String message) {
            super(message, Reason.EMPTY);
        }
    }

    /** The bytes are not an image format that can be decoded. */
    public static final class UnsupportedFormat extends VisionException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public UnsupportedFormat(String message) {
            super(message, Reason.UNSUPPORTED_FORMAT);
        }

        /** Creates the exception with a message for people and a reason. */
        public UnsupportedFormat(String message, Reason reason) {
            super(message, reason);
        }
    }

    /** The image is in a known format but its data is corrupt or truncated. */
    public static final class Corrupt extends VisionException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public Corrupt(String message) {
            super(message, Reason.CORRUPT);
        }

        /** Creates the exception with a message for people and a reason ({@code CORRUPT} or {@code TRUNCATED}). */
        public Corrupt(String message, Reason reason) {
            super(message, reason);
        }
    }

    /** The image has more pixels than the configured limit. */
    public static final class TooLarge extends VisionException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public TooLarge(String message) {
            super(message, Reason.TOO_LARGE);
        }
    }
}
