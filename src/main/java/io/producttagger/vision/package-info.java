/**
 * Vision: turns the bytes of any product photo into exactly the tensor a model was trained on, or refuses
 * them with a reason people can act on.
 *
 * <p>{@link io.producttagger.vision.ImageDecoder} reads the header first ({@link
 * io.producttagger.vision.ImageHeader}) to refuse decompression bombs before allocating, then decodes JPEG,
 * PNG, WebP, BMP and TIFF with OpenCV (GIF with ImageIO) into upright, opaque 8-bit BGR, decoding large
 * JPEGs at reduced size. {@link io.producttagger.vision.Preprocessor} runs the steps a model's manifest
 * declares; {@link io.producttagger.vision.ImagePipeline} joins the two and is the one path serving, bulk
 * tagging and training on photos share. Failures are {@link io.producttagger.vision.VisionException}s.
 */
package io.producttagger.vision;
