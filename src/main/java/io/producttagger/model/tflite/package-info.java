/**
 * Importing TensorFlow Lite models: reading the flatbuffer with accessors written by field index ({@link
 * io.producttagger.model.tflite.FlatTable}, {@link io.producttagger.model.tflite.TfliteFile}: tensors, operators,
 * dequantisation), recognising a MobileNetV2 classifier in it ({@link io.producttagger.model.tflite.MobileNetV2Graph})
 * and publishing it, whole or as a backbone, as a {@code mobilenetv2} model
 * ({@link io.producttagger.model.tflite.TfliteImport}, the TFLite format behind the seam of {@code model.imports}).
 * Depends on {@code model}, {@code model.imports} and {@code vision}.
 */
package io.producttagger.model.tflite;
