/**
 * Training, split along its jobs into three subpackages whose dependencies point one way, {@code jobs} to
 * {@code loop} to {@code data}: {@link io.producttagger.training.data} (data sets and archives),
 * {@link io.producttagger.training.loop} (the training loop and evaluation) and
 * {@link io.producttagger.training.jobs} (the fine-tune service and its jobs). This package holds only what all
 * three share: {@link io.producttagger.training.TrainingException}, the family the HTTP layer maps to statuses.
 */
package io.producttagger.training;
