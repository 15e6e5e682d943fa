package io.producttagger.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The images of a catalog, read as a stream: a folder (recursively, image files by extension) or a CSV or
 * JSONL manifest with an {@code id} and a {@code path} per row.
 *
 * <p>Nothing is held beyond the row being read, except that a folder's walk lists one directory's entries at a
 * time (sorted, so the order is the same on every run). Manifest paths are relative to the manifest's folder
 * unless absolute; a manifest's other columns travel to the output. A row without an {@code id} uses its
 * path; a row without a path becomes an error row rather than stopping the run.
 */
public final class CatalogSource {

    /** The image file extensions a folder walk picks up. */
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff",
            "gif");

    /** What an input is. */
    public enum Kind {
        /** A folder walked recursively. */
        FOLDER,
        /** A CSV manifest with a header row. */
        CSV,
        /** One JSON object per line. */
        JSONL
    }

    private final Path input;
    private final Kind kind;
    private final ObjectMapper json;
    private final List<String> extraColumns;

    private CatalogSource(Path input, Kind kind, ObjectMapper json) {
        this.input = input;
        this.kind = kind;
        this.json = json;
        this.extraColumns = readExtraColumns();
    }

    /**
     * Opens an input, telling a folder from a manifest by its extension ({@code .csv}, {@code .jsonl},
     * {@code .ndjson}).
     *
     * @throws CatalogException.InvalidArgument when the input does not exist or is of an unknown kind
     */
    public static CatalogSource open(Path input, ObjectMapper json) {
        if (Files.isDirectory(input)) {
            return new CatalogSource(input, Kind.FOLDER, json);
        }
        if (!Files.isRegularFile(input)) {
            throw new CatalogException.InvalidArgument("input " + input + " does not exist; give a folder of "
                    + "images or a .csv/.jsonl manifest");
        }
        String ext = extension(input.getFileName().toString());
        Kind kind = switch (ext) {
            case "csv" -> Kind.CSV;
            case "jsonl", "ndjson" -> Kind.JSONL;
            default -> throw new CatalogException.InvalidArgument("input " + input + " is neither a folder nor a "
                    + ".csv/.jsonl manifest");
        };
        return new CatalogSource(input, kind, json);
    }

    /** Returns the kind of input. */
    public Kind kind() {
        return kind;
    }

    /** Returns the input path. */
    public Path input() {
        return input;
    }

    /**
     * Returns the manifest's columns besides {@code id} and {@code path} (a CSV's header; a JSONL file's first
     * object's keys); empty for a folder.
     */
    public List<String> extraColumns() {
        return extraColumns;
    }

    /** Counts the items with one pass over the input (for progress), holding nothing. */
    public long count() {
        try (Stream<CatalogItem> s = items()) {
            return s.count();
        }
    }

    /**
     * Streams the items in input order; close the stream to release the files.
     *
     * @throws UncheckedIOException when the input cannot be read
     */
    public Stream<CatalogItem> items() {
        try {
            Iterator<CatalogItem> it = switch (kind) {
                case FOLDER -> new FolderWalk(input);
                case CSV -> new CsvRows(Files.newBufferedReader(input, StandardCharsets.UTF_8));
                case JSONL -> new JsonRows(Files.newBufferedReader(input, StandardCharsets.UTF_8));
            };
            Stream<CatalogItem> s = StreamSupport.stream(
                    Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false);
            return it instanceof AutoCloseable c ? s.onClose(() -> closeQuietly(c)) : s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + input + ": " + e.getMessage(), e);
        }
    }

    private List<String> readExtraColumns() {
        try {
            switch (kind) {
                case CSV -> {
                    try (BufferedReader r = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
                        List<String> header = new Csv.RecordReader(r).next();
                        if (header == null || !header.contains("path")) {
                            throw new CatalogException.InvalidArgument("manifest " + input + " needs a header row "
                                    + "with a 'path' column (and optionally 'id'); found " + header);
                        }
                        return header.stream().filter(h -> !h.equals("id") && !h.equals("path")).toList();
                    }
                }
                case JSONL -> {
                    try (BufferedReader r = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            if (!line.isBlank()) {
                                JsonNode n = json.readTree(line);
                                List<String> keys = new ArrayList<>();
                                n.fieldNames().forEachRemaining(k -> {
                                    if (!k.equals("id") && !k.equals("path")) {
                                        keys.add(k);
                                    }
                                });
                                return List.copyOf(keys);
                            }
                        }
                        return List.of();
                    } catch (JsonProcessingException e) {
                        return List.of();
                    }
                }
                default -> {
                    return List.of();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + input + ": " + e.getMessage(), e);
        }
    }

    private CatalogItem manifestItem(String id, String path, Map<String, String> extra, String where) {
        if (path == null || path.isBlank()) {
            String rowId = id == null || id.isBlank() ? where : id;
            return new CatalogItem(rowId, "", null, extra, where + " has no path");
        }
        Path p = Path.of(path);
        Path file = p.isAbsolute() ? p : input.toAbsolutePath().getParent().resolve(p);
        return CatalogItem.of(id == null || id.isBlank() ? path : id, path, file, extra);
    }

    static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing to do: the input was only read
        }
    }

    /** Depth-first walk, one directory's sorted entries at a time; skips hidden files and folders. */
    private static final class FolderWalk implements Iterator<CatalogItem> {
        private final Path root;
        private final Deque<Iterator<Path>> stack = new ArrayDeque<>();
        private CatalogItem next;

        FolderWalk(Path root) {
            this.root = root;
            stack.push(List.of(root).iterator());
        }

        @Override
        public boolean hasNext() {
            while (next == null && !stack.isEmpty()) {
                Iterator<Path> top = stack.peek();
                if (!top.hasNext()) {
                    stack.pop();
                    continue;
                }
                Path p = top.next();
                if (p != root && p.getFileName().toString().startsWith(".")) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    stack.push(list(p).iterator());
                } else if (IMAGE_EXTENSIONS.contains(extension(p.getFileName().toString()))) {
                    String rel = root.relativize(p).toString().replace('\\', '/');
                    next = CatalogItem.of(rel, p.toString(), p, Map.of());
                }
            }
            return next != null;
        }

        @Override
        public CatalogItem next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            CatalogItem n = next;
            next = null;
            return n;
        }

        private static List<Path> list(Path dir) {
            List<Path> entries = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                ds.forEach(entries::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
            }
            entries.sort(null);
            return entries;
        }
    }

    /** Rows of a CSV manifest after its header. */
    private final class CsvRows implements Iterator<CatalogItem>, AutoCloseable {
        private final BufferedReader reader;
        private final Csv.RecordReader records;
        private final List<String> header;
        private long row = 1;
        private List<String> next;

        CsvRows(BufferedReader reader) {
            this.reader = reader;
            this.records = new Csv.RecordReader(reader);
            this.header = records.next();
            this.next = header == null ? null : records.next();
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public CatalogItem next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            List<String> fields = next;
            next = records.next();
            row++;
            String id = null;
            String path = null;
            Map<String, String> extra = new LinkedHashMap<>();
            for (int i = 0; i < header.size(); i++) {
                String v = i < fields.size() ? fields.get(i) : "";
                switch (header.get(i)) {
                    case "id" -> id = v;
                    case "path" -> path = v;
                    default -> extra.put(header.get(i), v);
                }
            }
            return manifestItem(id, path, extra, input.getFileName() + " record " + row);
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }

    /** Objects of a JSONL manifest, one per non-blank line. */
    private final class JsonRows implements Iterator<CatalogItem>, AutoCloseable {
        private final BufferedReader reader;
        private long line;
        private String next;

        JsonRows(BufferedReader reader) {
            this.reader = reader;
            advance();
        }

        private void advance() {
            try {
                do {
                    next = reader.readLine();
                    line++;
                } while (next != null && next.isBlank());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public CatalogItem next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            String text = next;
            long at = line;
            advance();
            String where = input.getFileName() + " line " + at;
            JsonNode n;
            try {
                n = json.readTree(text);
            } catch (JsonProcessingException e) {
                n = null;
            }
            if (n == null || !n.isObject()) {
                return new CatalogItem(where, "", null, Map.of(), where + " is not a JSON object");
            }
            Map<String, String> extra = new LinkedHashMap<>();
            n.fields().forEachRemaining(f -> {
                if (!f.getKey().equals("id") && !f.getKey().equals("path")) {
                    extra.put(f.getKey(), f.getValue().isValueNode() ? f.getValue().asText()
                            : f.getValue().toString());
                }
            });
            return manifestItem(text(n.get("id")), text(n.get("path")), extra, where);
        }

        private static String text(JsonNode n) {
            return n == null || n.isNull() ? null : n.asText();
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
