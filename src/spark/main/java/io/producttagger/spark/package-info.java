/**
 * Bulk tagging as an Apache Spark job: the same decoding, preprocessing, batching and ranking as {@code tag}
 * in-process ({@link io.producttagger.model.BatchClassifier}), run by executors over a manifest or a folder that
 * any Hadoop file system holds. {@link io.producttagger.spark.TagSparkCommand} is the entry point,
 * {@link io.producttagger.spark.JobInput} and {@link io.producttagger.spark.JobOutput} read and write the data,
 * {@link io.producttagger.spark.PartitionTagger} tags one partition, and
 * {@link io.producttagger.spark.ExecutorModels} loads the model once per executor JVM. Depends on config,
 * vision, model and catalog, never on http, cli or app.
 */
package io.producttagger.spark;
