package io.producttagger.model.imports;

import io.producttagger.model.ModelException;

/** A source that cannot be imported: unreadable, of an unknown format, checksum or graph; the message says which. */
public class ImportException extends ModelException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message for people. */
    public ImportException(String message) {
        super(message);
    }
}
