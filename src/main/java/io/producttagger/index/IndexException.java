package io.producttagger.index;

/** A vector index cannot do what was asked; subclasses say why, and the HTTP layer maps each to a status. */
public class IndexException extends RuntimeException {

    /** Creates the exception. */
    public IndexException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Creates the exception. */
    public IndexException(String message) {
        super(message);
    }

    /** The name is not a valid index name. */
    public static final class InvalidName extends IndexException {
        /** Creates the exception. */
        public InvalidName(String message) {
            super(message);
        }
    }

    /** No index has that name. */
    public static final class UnknownIndex extends IndexException {
        /** Creates the exception. */
        public UnknownIndex(String message) {
            super(message);
        }
    }

    /** A vector from another model version (or of another dimension) than the one the index was built with. */
    public static final class ModelMismatch extends IndexException {
        /** Creates the exception. */
        public ModelMismatch(String message) {
            super(message);
        }
    }

    /** The index is being built by a job: it cannot be deleted or built by a second one until that ends. */
    public static final class Busy extends IndexException {
        /** Creates the exception. */
        public Busy(String message) {
            super(message);
        }
    }

    /** No index build job has that id. */
    public static final class UnknownJob extends IndexException {
        /** Creates the exception. */
        public UnknownJob(String message) {
            super(message);
        }
    }
}
