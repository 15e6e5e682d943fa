/**
 * The fine-tune job system: {@link io.producttagger.training.jobs.FineTuneService}, which owns a fine-tune from
 * the request (or uploaded archive) to its end, the queue with one trainer thread, progress, cancel, job files
 * that survive a restart, and uploaded data sets deleted when their job ends. Runs the loop of
 * {@code training.loop}; nothing in the other subpackages depends on it.
 */
package io.producttagger.training.jobs;
