package io.producttagger.config;

/** The configuration has an unknown key or a malformed value; the message names both and their source. */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message for people. */
    public ConfigException(String message) {
        super(message);
    }
}
