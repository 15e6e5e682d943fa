/**
 * Importing TensorFlow.js graph models: reading a {@code model.json} with its weight shards ({@link TfjsGraph}),
 * recognising a TF-slim MobileNetV3 backbone in the graph ({@link MobileNetV3Graph}) and publishing it as a
 * {@code mobilenetv3} backbone in the model zoo ({@link BackboneImport}). Depends on {@code model} only.
 */
package io.producttagger.model.tfjs;
