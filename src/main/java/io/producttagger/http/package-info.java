/**
 * The HTTP service on Vert.x: one class per resource ({@code *Routes}), one failure handler that writes
 * {@code application/problem+json}, and {@link io.producttagger.http.TaggerServer}, which starts it. Vert.x types
 * stay in this package; decoding and inference never run on the event loop.
 */
package io.producttagger.http;
