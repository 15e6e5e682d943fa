package io.producttagger.http;

import io.vertx.ext.web.Router;
import java.util.List;
import java.util.Map;

/**
 * The admin web console on the admin listener: {@code GET /admin/} and its script, style and chart library
 * under {@code /admin/console/}. These static files are the only things on the admin listener served without
 * the token (a browser cannot send a bearer header when it opens a page); they hold no data. The page asks for
 * the token, keeps it in {@code sessionStorage} and sends it as {@code Authorization: Bearer} on every
 * {@code /admin/v1} call, which {@link AdminAuth} checks as it checks any client's. Install before the
 * authentication handler.
 */
public final class AdminConsoleRoutes implements RouteProvider {

    /** uPlot's browser build inside its WebJar (org.webjars.npm:uplot, MIT; the version the pom names). */
    static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";

    private final ConsoleAssets assets = new ConsoleAssets(Map.of(
            "/admin/", "console/admin.html",
            "/admin/console/admin.js", "console/admin.js",
            "/admin/console/console.css", "console/console.css",
            "/admin/console/uPlot.min.js", UPLOT + "uPlot.iife.min.js",
            "/admin/console/uPlot.min.css", UPLOT + "uPlot.min.css"));

    @Override
    public void addRoutes(Router router) {
        // a bare /admin would meet the token check; send the browser to the console instead (Vert.x matches
        // /admin/ to this route too: that one goes on to the page)
        router.get("/admin").handler(ctx -> {
            if (ctx.request().path().equals("/admin")) {
                ctx.response().setStatusCode(301).putHeader("Location", "/admin/").end();
            } else {
                ctx.next();
            }
        });
        assets.addRoutes(router);
    }

    /** Returns the paths of the console's files and the redirect to it. */
    @Override
    public List<String> filePaths() {
        List<String> paths = new java.util.ArrayList<>(assets.paths());
        paths.add(0, "/admin");
        return List.copyOf(paths);
    }
}
