/**
 * Training: data sets (Fashion-MNIST IDX, label folders read through the serving {@code vision} pipeline), the
 * training loop, evaluation (top-1/top-3, per-label precision/recall/F1, confusion matrix), and fine-tune jobs
 * (one trainer thread, a bounded queue, progress, cancel, job files that survive a restart, uploaded data sets
 * deleted when their job ends).
 */
package io.producttagger.training;
