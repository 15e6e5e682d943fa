/**
 * The training loop and evaluation: the SGD trainer over in-memory samples, training from scratch
 * ({@link io.producttagger.training.loop.ModelTraining}) and fine-tuning a published version
 * ({@link io.producttagger.training.loop.FineTune}) with what it is asked to do
 * ({@link io.producttagger.training.loop.FineTuneRequest}), augmentation, and evaluation (top-1/top-3,
 * per-label precision/recall/F1, confusion matrix) on labelled folders and photo sets. Reads data through
 * {@code training.data}; knows nothing of jobs or queues.
 */
package io.producttagger.training.loop;
