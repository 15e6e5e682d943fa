package io.producttagger.http;

import io.vertx.ext.web.Router;
import java.util.List;
import java.util.Map;

/**
 * The public web console on the public listener: {@code GET /} is a page that tags photos dropped on it through
 * {@code /v1/classify} and {@code /v1/models}, with its script and style under {@code /console/}. It holds no
 * admin page or script: those exist only on the admin listener ({@link AdminConsoleRoutes}).
 */
public final class ConsoleRoutes implements RouteProvider {

    private final ConsoleAssets assets = new ConsoleAssets(Map.of(
            "/", "console/index.html",
            "/console/tagger.js", "console/tagger.js",
            "/console/console.css", "console/console.css"));

    @Override
    public void addRoutes(Router router) {
        assets.addRoutes(router);
    }

    /** Returns the paths of the console's files. */
    @Override
    public List<String> filePaths() {
        return assets.paths();
    }
}
