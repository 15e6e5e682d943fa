/**
 * Bulk tagging of a whole catalog: reads a folder or a CSV/JSONL manifest as a stream
 * ({@link io.producttagger.catalog.CatalogSource}), tags every image in-process on lanes that decode and score their
 * own batches, one per core, or against a running server ({@link io.producttagger.catalog.Tagger}), and writes one
 * CSV or JSONL row per image ({@link io.producttagger.catalog.ResultWriter}) so that an interrupted run resumes
 * where it stopped. {@link io.producttagger.catalog.CatalogRun} orchestrates with a bounded window of images
 * in flight, so memory stays flat whatever the catalog size; {@link io.producttagger.catalog.PipelineCeiling}
 * measures the bound in-process tagging is held to. The Spark job (src/spark) reuses this package's columns and
 * messages. Depends on config, vision and model.
 */
package io.producttagger.catalog;
