package io.producttagger.catalog;

import java.nio.file.Path;
import java.util.Locale;

/** How result rows are written: a CSV with a header row, or one JSON object per line. */
public enum OutputFormat {
    /** Comma-separated values with a header; labels in {@code label_N}/{@code score_N} column pairs. */
    CSV,
    /** One JSON object per line; labels as an array of {@code {"label","score"}}. */
    JSONL;

    /**
     * Parses a format name ({@code csv}, {@code jsonl} or {@code ndjson}).
     *
     * @throws CatalogException.InvalidArgument for any other name
     */
    public static OutputFormat named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "csv" -> CSV;
            case "jsonl", "ndjson" -> JSONL;
            default -> throw new CatalogException.InvalidArgument("unknown output format '" + name
                    + "'; use csv or jsonl");
        };
    }

    /**
     * Chooses the format from an output file's extension.
     *
     * @throws CatalogException.InvalidArgument when the extension is neither .csv nor .jsonl/.ndjson
     */
    public static OutputFormat forPath(Path output) {
        String ext = CatalogSource.extension(output.getFileName().toString());
        if (ext.equals("csv") || ext.equals("jsonl") || ext.equals("ndjson")) {
            return named(ext);
        }
        throw new CatalogException.InvalidArgument("cannot tell the format of output " + output
                + " from its extension; name it .csv or .jsonl, or pass --format");
    }
}
