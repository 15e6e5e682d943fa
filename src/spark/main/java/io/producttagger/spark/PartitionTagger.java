package io.producttagger.spark;

import io.producttagger.catalog.CatalogException;
import io.producttagger.model.BatchClassifier;
import io.producttagger.model.LabelScore;
import io.producttagger.model.ModelOutput;
import io.producttagger.model.LoadedModel;
import io.producttagger.model.OpenMpThreads;
import io.producttagger.vision.ImageDecoder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.TaskCompletionListener;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Tags one partition: reads its images through Hadoop's file systems, decodes, preprocesses and scores them in
 * batches with this task's own {@link BatchClassifier} over the executor's one copy of the model, and returns one
 * output row per input row, in order ({@link JobOutput#schema}).
 *
 * <p>An image that cannot be read or decoded gets its row with {@code error} filled; only a failure that is not
 * an image's (the model cannot be loaded or cannot score) fails the task. The task's inference runs on
 * {@link TagJobSettings#ompThreads()} OpenMP threads of its own thread, one by default: Spark runs one task per
 * core, and the tasks fill the cores between them.
 */
final class PartitionTagger implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    private final TagJobSettings settings;
    private final Broadcast<Map<String, String>> hadoopConf;
    private final int extras;
    private final LongAccumulator tagged;
    private final LongAccumulator failed;

    /**
     * Creates the function.
     *
     * @param settings what every task needs
     * @param hadoopConf the driver's Hadoop settings, to read the images and a remote model zoo
     * @param extras how many manifest columns follow {@code id}, {@code path} and the file column
     * @param tagged counts the images tagged
     * @param failed counts the images that failed
     */
    PartitionTagger(TagJobSettings settings, Broadcast<Map<String, String>> hadoopConf, int extras,
            LongAccumulator tagged, LongAccumulator failed) {
        this.settings = settings;
        this.hadoopConf = hadoopConf;
        this.extras = extras;
        this.tagged = tagged;
        this.failed = failed;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        Map<String, String> conf = hadoopConf.value();
        LoadedModel model = ExecutorModels.get(settings.model(), settings.engineCacheHere(), conf);
        // after the load: the OpenMP runtime is MXNet's, mapped when the engine starts
        OpenMpThreads.limitCallingThread(settings.ompThreads());
        BatchClassifier classifier = BatchClassifier.over(model, new ImageDecoder(settings.maxPixels()),
                settings.batchSize());
        // the same version's pooled features, from its own copy loaded to answer embeddings
        BatchClassifier embedder = settings.embeddings() ? BatchClassifier.over(ExecutorModels.get(settings.model(),
                settings.engineCacheHere(), conf, ModelOutput.EMBEDDING), new ImageDecoder(settings.maxPixels()),
                settings.batchSize()) : null;
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener(new TaskCompletionListener() {
                @Override
                public void onTaskCompletion(TaskContext context) {
                    classifier.close();
                    if (embedder != null) {
                        embedder.close();
                    }
                }
            });
        }
        Configuration hadoop = new Configuration(false);
        conf.forEach(hadoop::set);
        ImageBytes files = new ImageBytes(hadoop, settings.maxFileBytes());
        String name = model.manifest().name();
        String version = model.manifest().version();
        return new Iterator<>() {
            private final Deque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && input.hasNext()) {
                    tagBatch(input, classifier, embedder, files, name, version, ready);
                }
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.removeFirst();
            }
        };
    }

    /**
     * Takes the next batch of input rows and appends their output rows, in input order.
     *
     * @param embedder the embedding model's classifier, or null when the job writes no embeddings
     */
    private void tagBatch(Iterator<Row> input, BatchClassifier classifier, BatchClassifier embedder,
            ImageBytes files, String name, String version, Deque<Row> out) {
        List<Row> batch = new ArrayList<>(settings.batchSize());
        while (batch.size() < settings.batchSize() && input.hasNext()) {
            batch.add(input.next());
        }
        String[] errors = new String[batch.size()];
        List<byte[]> bytes = new ArrayList<>(batch.size());
        List<Integer> readable = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            String file = batch.get(i).getString(2);
            if (file == null) {
                errors[i] = "the manifest row has no path";
                continue;
            }
            try {
                bytes.add(files.read(file));
                readable.add(i);
            } catch (CatalogException.ImageFailed e) {
                errors[i] = e.getMessage();
            }
        }
        List<BatchClassifier.Outcome> outcomes = classifier.classify(bytes, settings.topK(), settings.threshold());
        List<List<LabelScore>> labels = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            labels.add(List.of());
        }
        for (int j = 0; j < readable.size(); j++) {
            BatchClassifier.Outcome o = outcomes.get(j);
            int i = readable.get(j);
            if (o.isFailure()) {
                errors[i] = o.error();
            } else {
                labels.set(i, o.labels());
            }
        }
        float[][] embeddings = embedder == null ? null : embed(embedder, bytes, readable, errors, batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Row in = batch.get(i);
            boolean ok = errors[i] == null;
            (ok ? tagged : failed).add(1);
            int first = embedder == null ? 6 : 7;
            Object[] values = new Object[first + extras];
            values[0] = in.getString(0);
            values[1] = in.getString(1);
            values[2] = CollectionConverters.asScala(labels.get(i).stream()
                    .map(l -> RowFactory.create(l.label(), l.score())).toList()).toSeq();
            values[3] = ok ? name : "";
            values[4] = ok ? version : "";
            values[5] = errors[i];
            if (embedder != null) {
                values[6] = ok ? embeddings[i] : null;
            }
            for (int e = 0; e < extras; e++) {
                values[first + e] = in.get(3 + e);
            }
            out.addLast(RowFactory.create(values));
        }
    }

    /**
     * The embeddings of the images that were tagged (the others stay null): decoded again through the embedding
     * model's pipeline, the same one the classifier used, and scored as one batch.
     */
    private static float[][] embed(BatchClassifier embedder, List<byte[]> bytes, List<Integer> readable,
            String[] errors, int rows) {
        float[][] out = new float[rows][];
        List<float[]> tensors = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int j = 0; j < readable.size(); j++) {
            int i = readable.get(j);
            if (errors[i] == null) {
                tensors.add(embedder.prepare(bytes.get(j)));
                at.add(i);
            }
        }
        if (!tensors.isEmpty()) {
            List<float[]> vectors = embedder.score(tensors);
            for (int k = 0; k < at.size(); k++) {
                out[at.get(k)] = vectors.get(k);
            }
        }
        return out;
    }
}
