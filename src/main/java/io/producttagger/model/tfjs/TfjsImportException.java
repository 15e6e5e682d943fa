package io.producttagger.model.tfjs;

import io.producttagger.model.imports.ImportException;

/** A TF.js model that cannot be imported: unreadable, or a graph this importer does not recognise. */
public final class TfjsImportException extends ImportException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message for people. */
    public TfjsImportException(String message) {
        super(message);
    }
}
