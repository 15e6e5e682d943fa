package io.producttagger.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.producttagger.model.LabelScore;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Writes result rows to a CSV or JSONL file, each row whole in one write, so a killed run leaves at most one
 * partial row at the end; and picks up such a file again for a resumed run.
 *
 * <p>Rows are appended in completion order. On resume the existing file is read as a stream, a trailing
 * partial row is cut off (the file is truncated to its last complete row), and the ids already written are
 * returned so the run skips them. Each row is handed to the operating system as soon as it is complete, which
 * survives the process being killed (not a power cut: there is no fsync per row).
 */
public final class ResultWriter implements AutoCloseable {

    /** What to do with an output file that already has content. */
    public enum Mode {
        /** Refuse a non-empty existing file. */
        CREATE,
        /** Replace an existing file. */
        OVERWRITE,
        /** Keep the complete rows of an existing file and append. */
        RESUME
    }

    /**
     * What an earlier run left in the file.
     *
     * @param doneIds ids of the complete rows
     * @param failed how many of them carry an error
     * @param truncatedBytes bytes of a partial last row that were cut off
     */
    public record Existing(Set<String> doneIds, long failed, long truncatedBytes) {
        /** Nothing was there. */
        public static final Existing NONE = new Existing(Set.of(), 0, 0);
    }

    private static final List<String> RESERVED = List.of("id", "path", "labels", "model", "version", "error");

    private final Path output;
    private final OutputFormat format;
    private final int topK;
    private final List<String> extraColumns;
    private final ObjectMapper json;
    private final List<String> header;
    private final FileChannel channel;
    private final Existing existing;

    /**
     * Opens an output file.
     *
     * @param output the file (its folder is created)
     * @param format CSV or JSONL
     * @param topK label columns per row (CSV)
     * @param extraColumns the input's extra columns, written after the result columns (CSV: exactly these)
     * @param mode what to do with existing content
     * @param json the JSON mapper
     * @throws CatalogException.InvalidArgument when the file exists in {@link Mode#CREATE}, or in
     *     {@link Mode#RESUME} has other columns than this run writes
     */
    public ResultWriter(Path output, OutputFormat format, int topK, List<String> extraColumns, Mode mode,
            ObjectMapper json) {
        this.output = output;
        this.format = format;
        this.topK = topK;
        this.extraColumns = List.copyOf(extraColumns);
        this.json = json;
        this.header = csvHeader();
        try {
            boolean hasContent = checkOutput(output, mode);
            Path parent = output.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            this.existing = hasContent && mode == Mode.RESUME ? readExisting() : Existing.NONE;
            if (mode == Mode.RESUME) {
                this.channel = FileChannel.open(output, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                channel.position(channel.size());
            } else {
                this.channel = FileChannel.open(output, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
            }
            if (format == OutputFormat.CSV && channel.size() == 0) {
                writeBytes(Csv.encode(header).getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open output " + output + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks, before anything expensive starts, that an output may be opened in a mode.
     *
     * @return whether the file exists with content
     * @throws CatalogException.InvalidArgument when it has content and the mode is {@link Mode#CREATE}
     */
    public static boolean checkOutput(Path output, Mode mode) {
        try {
            boolean hasContent = Files.isRegularFile(output) && Files.size(output) > 0;
            if (hasContent && mode == Mode.CREATE) {
                throw new CatalogException.InvalidArgument("output " + output + " already exists; pass --resume to "
                        + "continue that run or --overwrite to start again");
            }
            return hasContent;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read output " + output + ": " + e.getMessage(), e);
        }
    }

    /** Returns what an earlier run left (empty unless resuming). */
    public Existing existing() {
        return existing;
    }

    /** Returns the output file. */
    public Path output() {
        return output;
    }

    /**
     * Appends one row, whole, and hands it to the operating system before returning.
     *
     * @throws UncheckedIOException when the file cannot be written (e.g. the disk is full)
     */
    public void write(CatalogRow row) {
        byte[] bytes = encode(row).getBytes(StandardCharsets.UTF_8);
        synchronized (this) {
            try {
                writeBytes(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write to " + output + ": " + e.getMessage(), e);
            }
        }
    }

    private void writeBytes(byte[] bytes) throws IOException {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    /** Closes the file. */
    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + output + ": " + e.getMessage(), e);
        }
    }

    /** Returns the CSV header this writer uses. */
    public List<String> header() {
        return header;
    }

    private List<String> csvHeader() {
        List<String> h = new ArrayList<>(List.of("id", "path"));
        for (int i = 1; i <= topK; i++) {
            h.add("label_" + i);
            h.add("score_" + i);
        }
        h.addAll(List.of("model", "version", "error"));
        extraColumns.forEach(c -> h.add(outputName(c)));
        return List.copyOf(h);
    }

    /**
     * Returns the output name of an input column: {@code input_} before a name that would clash with a result
     * column ({@code id}, {@code labels}, {@code label_1}, ...), the name itself otherwise. The Spark job names its
     * columns the same way.
     */
    public static String outputName(String column) {
        return RESERVED.contains(column) || column.matches("(label|score)_\\d+") ? "input_" + column : column;
    }

    String encode(CatalogRow row) {
        if (format == OutputFormat.CSV) {
            List<String> f = new ArrayList<>(header.size());
            f.add(row.item().id());
            f.add(row.item().path());
            for (int i = 0; i < topK; i++) {
                LabelScore l = i < row.labels().size() ? row.labels().get(i) : null;
                f.add(l == null ? "" : l.label());
                f.add(l == null ? "" : String.format(Locale.ROOT, "%." + LabelScore.SCORE_DECIMALS + "f", l.score()));
            }
            f.add(row.model());
            f.add(row.version());
            f.add(row.error() == null ? "" : row.error());
            extraColumns.forEach(c -> f.add(row.item().extra().getOrDefault(c, "")));
            return Csv.encode(f);
        }
        ObjectNode o = json.createObjectNode();
        o.put("id", row.item().id());
        o.put("path", row.item().path());
        ArrayNode labels = o.putArray("labels");
        row.labels().forEach(l -> labels.addObject().put("label", l.label())
                .put("score", l.score()));
        o.put("model", row.model());
        o.put("version", row.version());
        if (row.error() == null) {
            o.putNull("error");
        } else {
            o.put("error", row.error());
        }
        row.item().extra().forEach((k, v) -> o.put(outputName(k), v));
        try {
            return json.writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Scans the file's complete rows, collects their ids, and cuts off a partial last row. */
    private Existing readExisting() throws IOException {
        Set<String> done = new HashSet<>();
        long failed = 0;
        long lastComplete = 0;
        long offset = 0;
        long records = 0;
        boolean quoteAware = format == OutputFormat.CSV;
        ByteArrayOutputStream record = new ByteArrayOutputStream(256);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(output), 1 << 16)) {
            boolean quoted = false;
            int b;
            while ((b = in.read()) != -1) {
                offset++;
                if (b == '"' && quoteAware) {
                    quoted = !quoted;
                }
                if (b == '\n' && !quoted) {
                    String text = record.toString(StandardCharsets.UTF_8);
                    record.reset();
                    lastComplete = offset;
                    if (text.isBlank()) {
                        continue;
                    }
                    records++;
                    if (format == OutputFormat.CSV) {
                        List<String> fields = Csv.parse(text);
                        if (records == 1) {
                            if (!fields.equals(header)) {
                                throw new CatalogException.InvalidArgument("output " + output + " has the columns "
                                        + fields + " but this run writes " + header + "; resume with the same "
                                        + "input and --top-k, or pass --overwrite");
                            }
                            continue;
                        }
                        done.add(fields.get(0));
                        if (fields.size() > header.indexOf("error") && !fields.get(header.indexOf("error")).isEmpty()) {
                            failed++;
                        }
                    } else {
                        JsonNode n;
                        try {
                            n = json.readTree(text);
                        } catch (JsonProcessingException e) {
                            throw new CatalogException.InvalidArgument("output " + output + " line " + records
                                    + " is not a JSON row; it was not written by this command, or pass --overwrite");
                        }
                        done.add(n.path("id").asText());
                        if (!n.path("error").isNull() && !n.path("error").isMissingNode()) {
                            failed++;
                        }
                    }
                } else {
                    record.write(b);
                }
            }
        }
        long partial = offset - lastComplete;
        if (partial > 0 || (format == OutputFormat.CSV && records == 0)) {
            try (FileChannel ch = FileChannel.open(output, StandardOpenOption.WRITE)) {
                ch.truncate(format == OutputFormat.CSV && records == 0 ? 0 : lastComplete);
            }
        }
        return new Existing(done, failed, partial);
    }
}
