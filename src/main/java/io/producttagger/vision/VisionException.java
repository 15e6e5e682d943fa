package io.producttagger.vision;

/**
 * An image cannot be used; each subclass names one reason and its message says what to do.
 * The HTTP layer maps each subclass to a status in one place.
 */
public class VisionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message for people. */
    public VisionException(String message) {
        super(message);
    }

    /** The input holds no bytes. */
    public static final class Empty extends VisionException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public Empty(String message) {
            super(message);
        }
    }

    /** The bytes are not an image format that can be decoded. */
    public static final class UnsupportedFormat extends VisionException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public UnsupportedFormat(String message) {
            super(message);
        }
    }

    /** The image is in a known format but its data is corrupt or truncated. */
    public static final class Corrupt extends VisionException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public Corrupt(String message) {
            super(message);
        }
    }

    /** The image has more pixels than the configured limit. */
    public static final class TooLarge extends VisionException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public TooLarge(String message) {
            super(message);
        }
    }
}
