package io.producttagger.cli;

import io.producttagger.index.IndexBuild;
import io.producttagger.index.IndexStore;
import io.producttagger.index.VectorIndex;
import io.producttagger.model.BatchClassifier;
import io.producttagger.model.ModelOutput;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ServingModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code bench-index}: the similar-product index's speed beside the embedding that feeds it, in one run: the
 * model's embedding rate on real photos (decode, preprocess, inference), then for each size a fresh index of
 * seeded random unit vectors of the model's dimension: build rate (vectors/s, commits included), size on disk per
 * vector, query latency p50/p99 at k=10, and the HNSW search's recall@10 against an exact scan.
 */
@Command(name = "bench-index", mixinStandardHelpOptions = true,
        description = "Measure vector index build rate, size per vector and query p50/p99 at several sizes, beside "
                + "the model's embedding rate (scripts/bench-index).")
final class IndexBenchCommand implements Callable<Integer> {

    @ParentCommand
    private TaggerCommand parent;

    @Spec
    private CommandSpec spec;

    @Option(names = "--sizes", split = ",", paramLabel = "N", description = "index sizes (default: 10000,100000)")
    private List<Integer> sizes = List.of(10_000, 100_000);

    @Option(names = "--queries", description = "timed queries per size (default: ${DEFAULT-VALUE})")
    private int queries = 500;

    @Option(names = "--model", paramLabel = "NAME[@VERSION]",
            description = "model whose embedding rate and dimension to use (default: model.name)")
    private String model;

    @Option(names = "--photos", paramLabel = "DIR", description = "photos to embed (default: ${DEFAULT-VALUE})")
    private Path photos = Path.of("test-images/imagenet");

    /** The synthetic vectors' layout. */
    enum Vectors {
        /** Independent random unit vectors: no structure at all, the hard case for a graph index. */
        random,
        /** Groups of {@value #GROUP} around a random centre (cosine about 0.9 to it), like a catalog's variants. */
        clustered
    }

    /** Vectors around one centre with {@code --vectors clustered}. */
    private static final int GROUP = 10;

    @Option(names = "--vectors", description = "synthetic vectors: ${COMPLETION-CANDIDATES} (default: "
            + "${DEFAULT-VALUE})")
    private Vectors layout = Vectors.random;

    @Option(names = "--merge", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "merge each index into one segment after its build, as a finished `index` build does "
                    + "(default: true; --no-merge leaves the segments the commits made)")
    private boolean merge = true;

    @Override
    public Integer call() throws IOException {
        if (sizes.stream().anyMatch(s -> s < 100) || queries < 10) {
            throw new ParameterException(spec.commandLine(), "--sizes must be at least 100 and --queries at least 10");
        }
        Components components = parent.components(Map.of());
        PrintWriter out = spec.commandLine().getOut();
        int maxBatch = components.config().inference().maxBatch();
        try (components;
                ModelRegistry.Lease lease = components.registry().acquire(model, ModelOutput.EMBEDDING);
                BatchClassifier embedder = lease.model().newBatchClassifier(maxBatch)) {
            ServingModel serving = lease.model();
            VectorIndex.Meta meta = IndexBuild.meta(serving, embedder);
            double embedRate = embedRate(embedder, maxBatch);
            out.printf(Locale.ROOT, "%s: %d-dimensional embeddings at %.1f images/s (decode + preprocess + "
                    + "inference, batch %d, %s)%n", serving.id(), meta.dimension(), embedRate, maxBatch, photos);
            out.println("vectors   build vectors/s   x embedding   of it merging s   bytes/vector   query p50 ms   "
                    + "query p99 ms   recall@10 vs exact");
            out.flush();
            for (int size : sizes) {
                Path dir = Files.createTempDirectory("bench-index");
                try (IndexStore store = new IndexStore(dir, components.config().indexMergeThreads())) {
                    measure(store, meta, size, embedRate, out);
                    store.delete("bench");
                } finally {
                    Files.deleteIfExists(dir);
                }
            }
        }
        return ExitCodes.OK;
    }

    /** Builds an index of {@code size} vectors in {@code store}, asks it the queries and prints the row. */
    private void measure(IndexStore store, VectorIndex.Meta meta, int size, double embedRate, PrintWriter out) {
        try (VectorIndex index = store.openForBuild("bench", meta)) {
            float[][] vectors = new float[size][];
            for (int i = 0; i < size; i++) {
                vectors[i] = vector(i, meta.dimension(), layout, size);
            }
            long start = System.nanoTime();
            for (int i = 0; i < size; i++) {
                index.add("v" + i, "v" + i, vectors[i], Map.of());
                if ((i + 1) % IndexBuild.COMMIT_EVERY == 0) {
                    index.commit();
                }
            }
            index.commit();
            long merging = System.nanoTime();
            if (merge) {
                index.merge();
            }
            long end = System.nanoTime();
            double buildRate = size / ((end - start) / 1e9);
            long bytes = store.list().get(0).sizeBytes();
            long[] latency = new long[queries];
            double recall = 0;
            int exactChecks = Math.min(queries, 50);
            for (int q = -50; q < queries; q++) { // 50 untimed queries warm the JIT and the page cache
                float[] query = vector(-1 - q - 50, meta.dimension(), layout, size);
                long t = System.nanoTime();
                List<VectorIndex.Hit> hits = index.search(query, meta.modelId(), 10);
                if (q >= 0) {
                    latency[q] = System.nanoTime() - t;
                    if (q < exactChecks) {
                        recall += overlap(hits, exact(query, vectors));
                    }
                }
            }
            Arrays.sort(latency);
            out.printf(Locale.ROOT, "%7d   %15.0f   %11.0f   %15.1f   %12.0f   %12.2f   %12.2f   %18.3f%n", size,
                    buildRate, buildRate / embedRate, (end - merging) / 1e9, (double) bytes / size, latency[queries / 2] / 1e6,
                    latency[(int) Math.min(queries - 1, Math.ceil(queries * 0.99) - 1)] / 1e6,
                    recall / exactChecks);
            out.flush();
        }
    }

    /** Embeds the photos, repeated to fill batches, for about ten seconds after a warm-up batch. */
    private double embedRate(BatchClassifier embedder, int maxBatch) throws IOException {
        List<byte[]> images = new ArrayList<>();
        try (Stream<Path> files = Files.list(photos)) {
            for (Path p : files.filter(f -> f.toString().matches("(?i).*\\.(jpe?g|png)")).sorted().toList()) {
                images.add(Files.readAllBytes(p));
            }
        }
        if (images.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "no photos in " + photos);
        }
        embedBatch(embedder, images, maxBatch, 0);
        long start = System.nanoTime();
        int done = 0;
        while (System.nanoTime() - start < 10_000_000_000L) {
            done += embedBatch(embedder, images, maxBatch, done);
        }
        return done / ((System.nanoTime() - start) / 1e9);
    }

    private static int embedBatch(BatchClassifier embedder, List<byte[]> images, int maxBatch, int from) {
        List<float[]> tensors = new ArrayList<>();
        for (int i = 0; i < maxBatch; i++) {
            tensors.add(embedder.prepare(images.get((from + i) % images.size())));
        }
        return embedder.score(tensors).size();
    }

    /**
     * Returns vector {@code i} (a query when negative), seeded by its number alone, so every run indexes and asks the
     * same vectors: random, or near the centre of group {@code i / GROUP} (a query near a random group's centre).
     */
    private static float[] vector(long i, int dimension, Vectors layout, int size) {
        if (layout == Vectors.random) {
            return unit(gaussian(0x5eed_0000L + i, dimension, 1));
        }
        long group = i >= 0 ? i / GROUP : Math.floorMod(new SplittableRandom(i).nextLong(), size / GROUP);
        float[] centre = unit(gaussian(0xce47_0000_0000L + group, dimension, 1));
        // noise of norm about 0.48 against a unit centre: cosine about 0.9 to it, about 0.81 to a group mate
        float[] v = gaussian(0x5eed_0000L + i, dimension, 0.48 / Math.sqrt(dimension));
        for (int d = 0; d < dimension; d++) {
            v[d] += centre[d];
        }
        return unit(v);
    }

    /** Scales {@code v} to length 1, in place, and returns it. */
    private static float[] unit(float[] v) {
        float inverse = (float) (1 / norm(v));
        for (int d = 0; d < v.length; d++) {
            v[d] *= inverse;
        }
        return v;
    }

    private static float[] gaussian(long seed, int dimension, double sigma) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[dimension];
        for (int d = 0; d < dimension; d++) {
            v[d] = (float) (random.nextGaussian() * sigma);
        }
        return v;
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += x * x;
        }
        return Math.sqrt(sum);
    }

    /** Returns the ids of the 10 vectors nearest the query by an exact scan. */
    private static List<String> exact(float[] query, float[][] vectors) {
        int[] best = new int[10];
        double[] score = new double[10];
        Arrays.fill(score, -2);
        for (int i = 0; i < vectors.length; i++) {
            float[] v = vectors[i];
            double s = 0;
            for (int d = 0; d < v.length; d++) {
                s += v[d] * query[d];
            }
            if (s > score[9]) {
                int at = 9;
                while (at > 0 && score[at - 1] < s) {
                    score[at] = score[at - 1];
                    best[at] = best[at - 1];
                    at--;
                }
                score[at] = s;
                best[at] = i;
            }
        }
        return Arrays.stream(best).mapToObj(i -> "v" + i).toList();
    }

    private static double overlap(List<VectorIndex.Hit> hits, List<String> exact) {
        return hits.stream().filter(h -> exact.contains(h.id())).count() / (double) exact.size();
    }
}
