/**
 * Importing TensorFlow.js graph models: reading a {@code model.json} with its weight shards ({@link TfjsGraph}),
 * recognising a TF-slim MobileNetV3 backbone in the graph ({@link MobileNetV3Graph}) and publishing it as a
 * {@code mobilenetv3} backbone in the model zoo ({@link BackboneImport}, the TF.js format behind the import seam of
 * {@code model.imports}). Depends on {@code model}, {@code model.imports} and {@code vision}.
 */
package io.producttagger.model.tfjs;
