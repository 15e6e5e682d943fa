/**
 * Models: the {@code model-zoo/NAME/VERSION} layout ({@link io.producttagger.model.ModelStore}: versions,
 * atomic publish, the {@code SERVING} pointer), what a version declares ({@link io.producttagger.model.ModelManifest}),
 * how users name one ({@link io.producttagger.model.ModelRef}, the one {@code NAME@VERSION} parser), the model
 * families that build networks ({@link io.producttagger.model.Architecture}), loading through DJL on MXNet
 * ({@link io.producttagger.model.LoadedModel}; a family that writes itself as an MXNet graph runs as one,
 * {@link io.producttagger.model.GraphNetwork}), and running them: a version's pipeline in front of its
 * {@link io.producttagger.model.InferencePool} (bounded queue, dynamic batching, one predictor per worker) for
 * serving, a thread's own {@link io.producttagger.model.BatchClassifier} for bulk tagging, and
 * {@link io.producttagger.model.LabelScore#top} turning scores into labels. The
 * {@link io.producttagger.model.ModelRegistry} keeps the loaded versions (bounded, leased) and promotes;
 * {@link io.producttagger.model.Promotions} records promotions and rolls back.
 */
package io.producttagger.model;
