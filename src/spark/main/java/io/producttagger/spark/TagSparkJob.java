package io.producttagger.spark;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;

/**
 * The Spark job: reads the input ({@link JobInput}), spreads its rows over partitions, tags each partition
 * ({@link PartitionTagger}) and writes the result ({@link JobOutput}), printing progress while it runs.
 */
final class TagSparkJob {

    /**
     * One run.
     *
     * @param input a folder of images or a manifest, on any Hadoop file system
     * @param output the result folder
     * @param format the output format
     * @param overwrite whether an existing output is replaced (otherwise it is refused)
     * @param partitions how many partitions to tag in, or 0 to choose from {@code imagesPerPartition}
     * @param imagesPerPartition images per partition when {@code partitions} is 0
     * @param settings what the tasks need
     */
    record Request(String input, String output, JobOutput.Format format, boolean overwrite, int partitions,
            int imagesPerPartition, TagJobSettings settings) {}

    /**
     * The outcome.
     *
     * @param total rows in the input
     * @param tagged images tagged
     * @param failed images that failed (their rows carry the error)
     * @param partitions partitions tagged
     * @param seconds wall time of the run (listing and counting included)
     * @param listingSeconds of that, listing the folder or reading the manifest and counting its rows
     */
    record Summary(long total, long tagged, long failed, int partitions, double seconds, double listingSeconds) {
        /** Returns images per second. */
        double imagesPerSecond() {
            return seconds > 0 ? (tagged + failed) / seconds : 0;
        }
    }

    private TagSparkJob() {}

    /** Runs the job, blocking until the output is committed; progress goes to {@code log} every 10 s. */
    static Summary run(SparkSession spark, Request r, PrintWriter log) {
        long start = System.nanoTime();
        JobOutput.check(spark, r.output(), r.overwrite());
        JobInput in = JobInput.open(spark, r.input());
        // The rows (ids, paths, manifest columns: small next to the images) are kept once read, so that the folder
        // is listed or the manifest read once, not for the count and again for the tagging.
        Dataset<Row> listed = in.rows().persist(StorageLevel.MEMORY_AND_DISK());
        long total = listed.count();
        double listingSeconds = (System.nanoTime() - start) / 1e9;
        int partitions = r.partitions() > 0 ? r.partitions()
                : (int) Math.max(spark.sparkContext().defaultParallelism(), Math.min(Integer.MAX_VALUE,
                        (total + r.imagesPerPartition() - 1) / r.imagesPerPartition()));
        Broadcast<Map<String, String>> hadoopConf = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .broadcast(hadoopSettings(spark));
        LongAccumulator tagged = spark.sparkContext().longAccumulator("images tagged");
        LongAccumulator failed = spark.sparkContext().longAccumulator("images failed");
        Dataset<Row> rows = listed.repartition(partitions).mapPartitions(
                new PartitionTagger(r.settings(), hadoopConf, in.extras().size(), tagged, failed),
                Encoders.row(JobOutput.schema(in.extras(), r.settings().embeddings())));
        log.printf("tagging %s (%s, %d images) with %s in %d partitions -> %s (%s)%n", r.input(), in.kind(), total,
                r.settings().model().id(), partitions, r.output(), r.format().name().toLowerCase(java.util.Locale.ROOT));
        log.flush();
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(t -> {
            Thread th = new Thread(t, "tag-spark-progress");
            th.setDaemon(true);
            return th;
        });
        progress.scheduleAtFixedRate(() -> report(spark, total, tagged, failed, start, log), 10, 10, TimeUnit.SECONDS);
        try {
            JobOutput.write(rows, r.format(), r.settings().topK(), r.output(), r.overwrite());
        } finally {
            progress.shutdownNow();
            listed.unpersist();
        }
        return new Summary(total, tagged.value(), failed.value(), partitions, (System.nanoTime() - start) / 1e9,
                listingSeconds);
    }

    /**
     * Returns the session's Hadoop settings (file systems, credentials) as a plain map, which Spark can ship to
     * executors where its {@code Configuration} cannot go.
     */
    static Map<String, String> hadoopSettings(SparkSession spark) {
        Map<String, String> settings = new HashMap<>();
        spark.sparkContext().hadoopConfiguration().forEach(e -> settings.put(e.getKey(), e.getValue()));
        return settings;
    }

    /** One progress line: partitions done of the running stage, images counted so far (as tasks finish), rate. */
    private static void report(SparkSession spark, long total, LongAccumulator tagged, LongAccumulator failed,
            long start, PrintWriter log) {
        int done = 0;
        int tasks = 0;
        for (int id : spark.sparkContext().statusTracker().getActiveStageIds()) {
            SparkStageInfo s = spark.sparkContext().statusTracker().getStageInfo(id).getOrElse(() -> null);
            if (s != null) {
                done += s.numCompletedTasks();
                tasks += s.numTasks();
            }
        }
        long n = tagged.value() + failed.value();
        double secs = (System.nanoTime() - start) / 1e9;
        log.printf("tag-spark: %d/%d partitions of the running stage done; %d of %d images written (%d failed), "
                + "%.1f images/s so far%n", done, tasks, n, total, failed.value(), n / secs);
        log.flush();
    }
}
