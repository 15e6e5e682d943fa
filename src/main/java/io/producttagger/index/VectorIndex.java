package io.producttagger.index;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;

/**
 * One similar-product index: catalog items' embeddings in a Lucene HNSW graph (cosine similarity), with each item's
 * id, path and manifest columns stored beside its vector, and {@code index.json} naming the model version and
 * dimension every vector in it came from. Searches refuse a vector from another version.
 *
 * <p>Thread-safe: writes go through Lucene's {@link IndexWriter}, searches through a reader reopened when the
 * index has changed.
 */
public final class VectorIndex implements AutoCloseable {

    /** The file beside Lucene's that records what made the index. */
    static final String META = "index.json";
    private static final String ID = "id";
    private static final String PATH = "path";
    private static final String VECTOR = "vector";
    private static final String EXTRA = "extra.";
    /**
     * The fewest candidates a search explores in the graph, whatever its k. On 10k random unit 1280-d vectors (the
     * hard case: no clusters) merged into one graph, recall@10 against an exact scan was 0.45 at 100 candidates
     * and 0.86 at 400, query p50 8 ms and 24 ms; unmerged (a segment per commit, each searched) 100 candidates
     * found 0.85 at p50 245 ms (scripts/bench-index, one loaded run; README, "Similar products").
     */
    static final int CANDIDATES = 400;

    /**
     * What made an index.
     *
     * @param model the model name
     * @param version the model version whose embeddings the index holds
     * @param dimension the length of every vector
     */
    public record Meta(String model, String version, int dimension) {
        /** Returns {@code model@version}. */
        public String modelId() {
            return model + "@" + version;
        }
    }

    /**
     * One search result.
     *
     * @param id the item's id
     * @param path the item's path as the catalog named it
     * @param similarity cosine similarity to the query, -1 to 1
     * @param extra the manifest's other columns
     */
    public record Hit(String id, String path, double similarity, Map<String, String> extra) {}

    private final String name;
    private final Meta meta;
    private final FSDirectory directory;
    private final int mergeThreads;
    private final ObjectMapper json = new ObjectMapper();
    private IndexWriter writer;
    /** The merge workers' threads, while a writer is open and merges use more than one; else null. */
    private ExecutorService mergeExecutor;
    private DirectoryReader reader;

    private VectorIndex(String name, Meta meta, FSDirectory directory, int mergeThreads) {
        this.name = name;
        this.meta = meta;
        this.directory = directory;
        this.mergeThreads = mergeThreads;
    }

    /**
     * Opens the index in {@code dir}, creating it for {@code meta} when there is none; an existing index made by
     * another model version or dimension is refused (build another name, or delete it).
     */
    static VectorIndex openOrCreate(String name, Path dir, Meta meta, int mergeThreads) {
        try {
            Path metaFile = dir.resolve(META);
            ObjectMapper json = new ObjectMapper();
            if (Files.exists(metaFile)) {
                Meta existing = json.readValue(metaFile.toFile(), Meta.class);
                if (!existing.equals(meta)) {
                    throw new IndexException.ModelMismatch("index '" + name + "' holds " + existing.dimension()
                            + "-dimensional embeddings of " + existing.modelId() + ", not of " + meta.modelId()
                            + "; build it again under another name (or delete " + dir + ")");
                }
            } else {
                Files.createDirectories(dir);
                json.writeValue(metaFile.toFile(), meta);
            }
            return new VectorIndex(name, meta, FSDirectory.open(dir), mergeThreads);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open index '" + name + "' in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Opens an existing index for searching (and adding, merging with {@code mergeThreads} threads). */
    static VectorIndex open(String name, Path dir, int mergeThreads) {
        Path metaFile = dir.resolve(META);
        if (!Files.exists(metaFile)) {
            throw new IndexException.UnknownIndex("there is no index '" + name + "' (in " + dir.getParent()
                    + ", index.dir); build one with: product-tagger index INPUT --name " + name);
        }
        try {
            Meta meta = new ObjectMapper().readValue(metaFile.toFile(), Meta.class);
            return new VectorIndex(name, meta, FSDirectory.open(dir), mergeThreads);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open index '" + name + "': " + e.getMessage(), e);
        }
    }

    /** Returns the index's name. */
    public String name() {
        return name;
    }

    /** Returns what made the index. */
    public Meta meta() {
        return meta;
    }

    private synchronized IndexWriter writer() throws IOException {
        if (writer == null) {
            if (mergeThreads > 1 && mergeExecutor == null) { // a writer that failed to open made one already
                AtomicInteger started = new AtomicInteger();
                mergeExecutor = Executors.newFixedThreadPool(mergeThreads, r -> {
                    Thread t = new Thread(r, "index-merge-" + name + "-" + started.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
            }
            writer = new IndexWriter(directory, new IndexWriterConfig()
                    .setCodec(HighDimensionVectors.codec(mergeThreads, mergeExecutor))
                    .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND));
        }
        return writer;
    }

    /**
     * Adds (or replaces) one item.
     *
     * @param vector its embedding by {@link #meta()}'s model version (unit length)
     */
    public void add(String id, String path, float[] vector, Map<String, String> extra) {
        check(vector);
        Document doc = new Document();
        doc.add(new StringField(ID, id, Field.Store.YES));
        doc.add(new StoredField(PATH, path));
        doc.add(new KnnFloatVectorField(VECTOR, vector, VectorSimilarityFunction.COSINE));
        extra.forEach((k, v) -> doc.add(new StoredField(EXTRA + k, v == null ? "" : v)));
        try {
            writer().updateDocument(new Term(ID, id), doc);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write index '" + name + "': " + e.getMessage(), e);
        }
    }

    /** Makes what was added durable (a resumed build skips it) and visible to searches. */
    public synchronized void commit() {
        try {
            if (writer != null) {
                writer.commit();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot commit index '" + name + "': " + e.getMessage(), e);
        }
    }

    /**
     * Merges the index into one segment and commits it. Lucene searches each segment's HNSW graph on its own and
     * a build that commits every few hundred items leaves many; one graph answers faster and finds more true
     * neighbours for the same candidates (README, "Similar products"). The merge grows the largest segment's graph
     * rather than building one from nothing.
     */
    public synchronized void merge() {
        try {
            writer().forceMerge(1);
            writer.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot merge index '" + name + "': " + e.getMessage(), e);
        }
    }

    /** Returns how many segments the committed index has: each is searched as a graph of its own. */
    int segments() {
        try {
            IndexSearcher searcher = searcher();
            return searcher == null ? 0 : searcher.getIndexReader().leaves().size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns whether the committed index holds an item with this id. */
    public boolean contains(String id) {
        try {
            IndexSearcher searcher = searcher();
            return searcher != null && searcher.count(new TermQuery(new Term(ID, id))) > 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the number of committed items. */
    public int size() {
        try {
            IndexSearcher searcher = searcher();
            return searcher == null ? 0 : searcher.getIndexReader().numDocs();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Returns the {@code k} committed items nearest a query, nearest first.
     *
     * @param vector the query's embedding by {@link #meta()}'s model version
     * @param modelId the {@code model@version} that embedded it
     * @throws IndexException.ModelMismatch when another version embedded it
     */
    public List<Hit> search(float[] vector, String modelId, int k) {
        if (!meta.modelId().equals(modelId)) {
            throw new IndexException.ModelMismatch("index '" + name + "' holds embeddings of " + meta.modelId()
                    + ", the query was embedded by " + modelId + "; query it with model=" + meta.modelId()
                    + " (or leave model out)");
        }
        check(vector);
        try {
            IndexSearcher searcher = searcher();
            if (searcher == null) {
                return List.of();
            }
            // HNSW explores as many candidates as the query's k: at k=10 it misses many true neighbours, so it
            // explores at least CANDIDATES and the searcher keeps the best k
            TopDocs top = searcher.search(new KnnFloatVectorQuery(VECTOR, vector, Math.max(k, CANDIDATES)), k);
            List<Hit> hits = new ArrayList<>();
            for (ScoreDoc sd : top.scoreDocs) {
                Document d = searcher.storedFields().document(sd.doc);
                Map<String, String> extra = new LinkedHashMap<>();
                d.getFields().forEach(f -> {
                    if (f.name().startsWith(EXTRA)) {
                        extra.put(f.name().substring(EXTRA.length()), f.stringValue());
                    }
                });
                // Lucene scores cosine as (1 + cos) / 2
                hits.add(new Hit(d.get(ID), d.get(PATH), 2.0 * sd.score - 1.0, extra));
            }
            return hits;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot search index '" + name + "': " + e.getMessage(), e);
        }
    }

    private void check(float[] vector) {
        if (vector.length != meta.dimension()) {
            throw new IndexException.ModelMismatch("index '" + name + "' holds " + meta.dimension()
                    + "-dimensional vectors, got " + vector.length);
        }
    }

    private synchronized IndexSearcher searcher() throws IOException {
        if (reader == null) {
            if (!DirectoryReader.indexExists(directory)) {
                return null;
            }
            reader = DirectoryReader.open(directory);
        } else {
            DirectoryReader newer = DirectoryReader.openIfChanged(reader);
            if (newer != null) {
                reader.close();
                reader = newer;
            }
        }
        return new IndexSearcher(reader);
    }

    /** Commits what was added and closes the files. */
    @Override
    public synchronized void close() {
        try {
            if (writer != null) {
                writer.close();
            }
            if (mergeExecutor != null) {
                mergeExecutor.shutdown(); // the writer's merges have ended with it
            }
            if (reader != null) {
                reader.close();
            }
            directory.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close index '" + name + "': " + e.getMessage(), e);
        }
    }
}
