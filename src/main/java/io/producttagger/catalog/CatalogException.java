package io.producttagger.catalog;

/**
 * A catalog run cannot go on; subclasses say whether the command line was wrong or one image failed.
 */
public class CatalogException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message for people. */
    public CatalogException(String message) {
        super(message);
    }

    /** Creates the exception with a message for people and its cause. */
    public CatalogException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Returns what a person should read of a failure: the first message along its chain of causes (a wrapper
     * such as Spark's or a future's often has none of its own), else its type.
     */
    public static String describe(Throwable failure) {
        Throwable t = failure;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /**
     * The input or output given on the command line cannot be used (missing, unknown format, an existing
     * output without resume or overwrite); the CLI maps it to a usage error.
     */
    public static final class InvalidArgument extends CatalogException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public InvalidArgument(String message) {
            super(message);
        }
    }

    /**
     * One image could not be tagged (unreadable, not an image, refused by the server); the run writes its row
     * with this message in the error column and goes on. Any other failure stops the run without a row, so
     * that a resumed run retries it.
     */
    public static final class ImageFailed extends CatalogException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public ImageFailed(String message) {
            super(message);
        }

        /** Creates the exception with a message for people and its cause. */
        public ImageFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
