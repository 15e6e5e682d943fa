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
}
