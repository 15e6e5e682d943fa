package io.producttagger.index;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;

/**
 * Lucene's own HNSW vector format with its dimension cap raised from 1024 to {@value #MAX_DIMENSIONS}: the
 * backbones' pooled features are wider (MobileNetV2's 1280). The files are exactly Lucene's format under its own
 * name, so any Lucene 9.12 reader (the default codec) reads them; only writing needs this codec. A merge can build
 * the merged graph on several threads (Lucene's merge workers): at 10k 1280-d vectors on 2 cores it took 26-27 s on
 * two against 50-56 s on one (README, "Similar products").
 */
final class HighDimensionVectors extends KnnVectorsFormat {

    /** The widest vector an index takes. */
    static final int MAX_DIMENSIONS = 4096;

    private final KnnVectorsFormat delegate;

    private HighDimensionVectors(int mergeThreads, ExecutorService mergeExecutor) {
        super("Lucene99HnswVectorsFormat");
        delegate = mergeThreads > 1
                ? new Lucene99HnswVectorsFormat(Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN,
                        Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH, mergeThreads, mergeExecutor)
                : new Lucene99HnswVectorsFormat();
    }

    /**
     * Returns the default codec with this vector format for every field.
     *
     * @param mergeThreads how many threads of {@code mergeExecutor} a merge's graph building uses (1: the merging
     *     thread alone, and {@code mergeExecutor} may be null)
     */
    static Codec codec(int mergeThreads, ExecutorService mergeExecutor) {
        HighDimensionVectors format = new HighDimensionVectors(mergeThreads, mergeExecutor);
        return new Lucene912Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        };
    }

    @Override
    public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
        return delegate.fieldsWriter(state);
    }

    @Override
    public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
        return delegate.fieldsReader(state);
    }

    @Override
    public int getMaxDimensions(String fieldName) {
        return MAX_DIMENSIONS;
    }
}
