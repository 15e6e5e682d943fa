/**
 * The HTTP service on Vert.x: one class per resource, each a {@link io.producttagger.http.RouteProvider}
 * ({@code *Routes}, and {@code AdminAuth}, the token check, placed between the admin console's files and the
 * admin API), one failure handler that writes {@code application/problem+json} ({@code Problem} maps every
 * failure to a status and a machine-readable reason), and {@link io.producttagger.http.ListenerVerticle}, one
 * listener as a verticle with its providers in order (connection timeouts, answers to requests refused before
 * routing). The composition root ({@code app}) deploys the public and the admin listener on the process's one
 * Vert.x. Each listener serves its web console's static files from memory ({@code ConsoleRoutes} at {@code /},
 * {@code AdminConsoleRoutes} at {@code /admin/}, both through {@code ConsoleAssets}, which sets their
 * Content-Security-Policy), and one {@code RequestLog} per listener gives request ids, request timeouts, the
 * access log and metrics from the status really sent; request bodies and options are parsed strictly in one
 * place each ({@code MultipartBody}, {@code FineTuneOptions}). Vert.x types stay in this package and {@code app};
 * decoding and inference never run on the event loop.
 */
package io.producttagger.http;
