package io.producttagger.training;

/** A data set or training run cannot proceed; the message says why and what to change. */
public class TrainingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message for people. */
    public TrainingException(String message) {
        super(message);
    }

    /** Creates the exception with a message for people and its cause. */
    public TrainingException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A fine-tune request is invalid (too few images, unknown base, a path outside the data root); not retried. */
    public static final class Invalid extends TrainingException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public Invalid(String message) {
            super(message);
        }
    }

    /** No fine-tune job has the given id. */
    public static final class UnknownJob extends TrainingException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public UnknownJob(String message) {
            super(message);
        }
    }

    /** The fine-tune queue is full; the client should retry later. */
    public static final class QueueFull extends TrainingException {
        private static final long serialVersionUID = 1L;

        /** Creates the exception with a message for people. */
        public QueueFull(String message) {
            super(message);
        }
    }
}
