package io.producttagger.model.imports;

import io.producttagger.model.ModelManifest;
import java.nio.file.Path;

/**
 * One source format of pretrained weights (a TF.js graph model, a TensorFlow Lite file, ...): recognises its files,
 * refuses any it does not know, and publishes what it reads as a version in the model zoo. A new format is one new
 * implementation plus its line in the command line's list.
 */
public interface SourceImporter {

    /** Returns the format's name for people, e.g. {@code TF.js graph model}. */
    String format();

    /**
     * Returns whether a file whose first bytes are {@code head} is in this format: a cheap look at its magic or
     * first character, before any checksum or parse.
     */
    boolean recognises(byte[] head);

    /**
     * Checks the source against the ones this importer knows, maps it onto a model family and publishes the next
     * version of the requested model.
     *
     * @return the published manifest
     * @throws ImportException naming what differs when the file, its checksum or its graph is not one it knows
     */
    ModelManifest importAndPublish(Path source, ImportRequest request);

    /**
     * Returns the importer that recognises the file among {@code importers}.
     *
     * @throws ImportException naming the formats tried and the file's first bytes when none does
     */
    static SourceImporter forFile(java.util.List<SourceImporter> importers, Path source) {
        byte[] head = new byte[16];
        int n;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(source)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (java.io.IOException e) {
            throw new ImportException("cannot read " + source + ": " + e.getMessage());
        }
        byte[] read = java.util.Arrays.copyOf(head, n);
        for (SourceImporter importer : importers) {
            if (importer.recognises(read)) {
                return importer;
            }
        }
        throw new ImportException(source + " is in none of the formats this command imports ("
                + String.join(", ", importers.stream().map(SourceImporter::format).toList()) + "): it starts with "
                + java.util.HexFormat.ofDelimiter(" ").formatHex(read) + " ("
                + new String(read, java.nio.charset.StandardCharsets.ISO_8859_1).replaceAll("[^\\x20-\\x7e]", ".")
                + ")");
    }
}
