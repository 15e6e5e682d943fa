package io.producttagger.model;

/** Something about a model or its store went wrong; subclasses say what, and the HTTP layer maps each once. */
public class ModelException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message for people. */
    public ModelException(String message) {
        super(message);
    }

    /** Creates the exception with a message for people and its cause. */
    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The model or version asked for does not exist. */
    public static final class UnknownModel extends ModelException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public UnknownModel(String message) {
            super(message);
        }
    }

    /**
     * A model name or version is malformed (not 1-64 letters, digits, '_', '-' or '.'): the request is wrong,
     * whatever the store holds.
     */
    public static final class InvalidName extends ModelException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public InvalidName(String message) {
            super(message);
        }
    }

    /** The version exists but cannot tag photos: a backbone without labels, a base to fine-tune from. */
    public static final class NotServable extends ModelException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public NotServable(String message) {
            super(message);
        }
    }

    /** The inference queue is full; the caller should retry later. */
    public static final class Overloaded extends ModelException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public Overloaded(String message) {
            super(message);
        }
    }

    /**
     * An inference worker failed with an error of the process (out of memory, a native failure) while it held the
     * image, or no worker is up because they failed: not the image's fault, and a new worker is being started, so
     * the caller should retry shortly.
     */
    public static final class WorkerFailed extends ModelException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public WorkerFailed(String message) {
            super(message);
        }

        /** Creates the exception with a message for people and the error the worker died of. */
        public WorkerFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A rollback was asked for but no earlier serving version is recorded. */
    public static final class NothingToRollBack extends ModelException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public NothingToRollBack(String message) {
            super(message);
        }
    }
}
