/**
 * The HTTP service on Vert.x: one class per resource ({@code *Routes}), one failure handler that writes
 * {@code application/problem+json}, {@link io.producttagger.http.TaggerServer}, which starts the public listener,
 * and {@link io.producttagger.http.AdminServer}, which starts the token-protected {@code /admin/v1} listener; each
 * serves its web console's static files from memory ({@code ConsoleRoutes} at {@code /},
 * {@code AdminConsoleRoutes} at {@code /admin/}, both through {@code ConsoleAssets}, which sets their
 * Content-Security-Policy). Both
 * listeners are built by one {@code Listener} (connection timeouts, answers to requests refused before routing)
 * and one {@code RequestLog} (request ids, request timeouts, access log and metrics from the status really sent);
 * request bodies and options are parsed strictly in one place each ({@code MultipartBody},
 * {@code FineTuneOptions}). Vert.x types stay in this package; decoding and inference never run on the event
 * loop.
 */
package io.producttagger.http;
