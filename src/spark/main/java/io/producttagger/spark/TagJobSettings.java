package io.producttagger.spark;

import java.io.Serializable;

/**
 * What every task needs to tag its partition, resolved once on the driver and shipped with the job.
 *
 * @param model the model and exact version
 * @param topK labels per image
 * @param threshold lowest probability reported
 * @param batchSize most images a task scores at once ({@code inference.max-batch})
 * @param ompThreads OpenMP threads per task (one per task slot by default: the slots fill the cores)
 * @param maxPixels larger images are refused from their header ({@code vision.max-pixels})
 * @param maxFileBytes larger files are refused before they are read ({@code server.max-body-bytes})
 * @param engineCache where an executor extracts the MXNet natives; empty for its {@code java.io.tmpdir}
 * @param embeddings whether each row also gets the image's embedding (the version's L2-normalised pooled features)
 */
record TagJobSettings(ModelLocation model, int topK, double threshold, int batchSize, int ompThreads, long maxPixels,
        long maxFileBytes, String engineCache, boolean embeddings) implements Serializable {

    /** Validates the settings. */
    TagJobSettings {
        if (topK < 1 || batchSize < 1 || ompThreads < 1 || maxPixels < 1 || maxFileBytes < 1) {
            throw new IllegalArgumentException("top-k, batch size, OpenMP threads and the limits must be >= 1");
        }
    }

    /** Returns the engine cache this JVM uses. */
    String engineCacheHere() {
        return engineCache.isEmpty() ? System.getProperty("java.io.tmpdir") + "/product-tagger-djl" : engineCache;
    }
}
