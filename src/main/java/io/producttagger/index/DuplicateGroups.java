package io.producttagger.index;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups catalog items into duplicates: items with the same content hash (exact copies) or whose embeddings' cosine
 * similarity reaches a threshold (near copies), transitively. {@code dedupe} writes these groups and
 * {@code eval-duplicates} measures them, so what is measured is what ships.
 */
public final class DuplicateGroups {

    private DuplicateGroups() {}

    /**
     * Returns the groups, each a list of item positions in ascending order (the earliest item first), singletons
     * included, in the order of their first items.
     *
     * @param hashes each item's content hash (equal hashes are exact duplicates)
     * @param vectors each item's unit-length embedding
     * @param threshold the lowest cosine similarity of near duplicates
     */
    public static List<List<Integer>> of(List<String> hashes, List<float[]> vectors, double threshold) {
        return of(hashes, (i, j) -> cosine(vectors.get(i), vectors.get(j)), threshold);
    }

    /** The similarity of the items at two positions. */
    @FunctionalInterface
    public interface Similarity {
        /** Returns the cosine similarity of items {@code i} and {@code j}. */
        double of(int i, int j);
    }

    /**
     * Returns the groups as {@link #of(List, List, double)} does, from a similarity known by position (a threshold
     * sweep computes the similarities once).
     */
    public static List<List<Integer>> of(List<String> hashes, Similarity similarity, double threshold) {
        int n = hashes.size();
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) {
            parent[i] = i;
        }
        Map<String, Integer> byHash = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Integer first = byHash.putIfAbsent(hashes.get(i), i);
            if (first != null) {
                union(parent, first, i);
            }
        }
        // all pairs: exact at catalog sizes one JVM dedupes (a few 10k); beyond that the Spark job's vectors
        // belong in a vector store's k-NN join
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (similarity.of(i, j) >= threshold) {
                    union(parent, i, j);
                }
            }
        }
        Map<Integer, List<Integer>> members = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            members.computeIfAbsent(find(parent, i), r -> new ArrayList<>()).add(i);
        }
        return new ArrayList<>(members.values());
    }

    /** Returns the cosine similarity of two unit-length vectors (their dot product). */
    public static double cosine(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a);
        int rb = find(parent, b);
        if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb); // the earlier item heads the group
        }
    }
}
