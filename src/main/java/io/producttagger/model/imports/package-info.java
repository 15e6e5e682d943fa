/**
 * The seam between source formats of pretrained weights and the model zoo: what every importer is
 * ({@link io.producttagger.model.imports.SourceImporter}: recognises its format from the first bytes, checks the file
 * against the sources it knows, publishes a version), what a user asks for
 * ({@link io.producttagger.model.imports.ImportRequest}), and what the importers share: checksums, copying weights
 * into a family's block and publishing with the provenance recorded
 * ({@link io.producttagger.model.imports.Publication}).
 * The formats themselves live beside it ({@code model.tfjs}, {@code model.tflite}); the command line lists them.
 * Depends on {@code model} and {@code vision} only.
 */
package io.producttagger.model.imports;
