package io.producttagger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.producttagger.TestSupport;
import io.producttagger.model.ModelRegistry;
import io.producttagger.training.FineTuneFixtures;
import io.producttagger.training.loop.Recipe;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The web consoles in a real Chromium (Debian's, through chromedriver) against the public and admin listeners
 * wired as in production, on random ports, over a temporary zoo holding the committed fashion model and colour
 * backbone. Screenshots of each page go to {@code target/console-screenshots/}.
 */
class WebConsoleTest {

    private static final String TOKEN = "console-test-token";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration TAGGING = Duration.ofSeconds(30);

    private static Path tmp;
    private static ModelRegistry registry;
    private static ServingStack stack;
    private static ListenerVerticle admin;
    private static ListenerVerticle server;
    private static ChromeBrowser browser;
    private static Path photoA;
    private static Path photoB;
    private static Path broken;

    @BeforeAll
    static void start() throws Exception {
        ServingStack.Folders folders = ServingStack.Folders.create("console-test-");
        tmp = folders.tmp();
        FineTuneFixtures.photoSet(folders.data().resolve("photos"), 30);
        stack = new ServingStack(ServingStack.config(folders.zoo(), folders.data(), TOKEN));
        registry = stack.registry;
        admin = stack.admin;
        server = stack.server;
        Path uploads = Files.createDirectories(tmp.resolve("picked"));
        // 320 x 360 pixels stored, EXIF orientation 6: shown 360 x 320, as the camera held it
        photoA = Files.write(uploads.resolve("trousers.jpg"), io.producttagger.vision.Exif.withOrientation(
                TestSupport.photo(TestSupport.fashionTest(), 2, 240, ".jpg"), 6));
        photoB = Files.write(uploads.resolve("sneaker.png"), TestSupport.photo(TestSupport.fashionTest(), 0, 200,
                ".png"));
        broken = Files.writeString(uploads.resolve("broken.jpg"), "these bytes are not an image");
        browser = new ChromeBrowser();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        stack.close();
    }

    private static String publicUrl(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    private static String adminUrl(String path) {
        return "http://127.0.0.1:" + admin.port() + path;
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void pick(Path... files) {
        WebElement input = browser.find("#files");
        input.sendKeys(String.join("\n", java.util.Arrays.stream(files).map(p -> p.toAbsolutePath().toString())
                .toList()));
    }

    private static List<WebElement> finishedCards(int n) {
        return browser.await(TAGGING, d -> {
            List<WebElement> cards = d.findElements(By.cssSelector("#results .card"));
            boolean done = cards.size() >= n && cards.stream().allMatch(c -> c.getAttribute("aria-busy") == null);
            return done ? cards : null;
        });
    }

    private static String serving() {
        return registry.store().servingVersion("fashion").orElseThrow();
    }

    @Test
    void publicPageTagsTwoPhotosAndShowsTheBrokenFileItsOwnError() {
        browser.size(1280, 900);
        browser.open(publicUrl("/"));
        pick(photoA, broken, photoB);
        List<WebElement> cards = finishedCards(3);
        assertEquals(3, cards.size());
        List<WebElement> tagged = browser.findAll("#results .card.tagged");
        List<WebElement> failed = browser.findAll("#results .card.failed");
        assertEquals(2, tagged.size(), "two photos tagged");
        assertEquals(1, failed.size(), "one error");
        for (WebElement card : tagged) {
            assertEquals(5, card.findElements(By.cssSelector(".labels .label")).size(), card.getText());
            assertTrue(card.getText().contains("Model fashion, version " + serving()), card.getText());
            assertTrue((Boolean) browser.js("return arguments[0].naturalWidth > 0",
                    card.findElement(By.cssSelector("img.thumb"))), "thumbnail shown");
        }
        WebElement rotated = browser.find("#results img[alt='trousers.jpg']");
        assertEquals(List.of(360L, 320L), browser.js("return [arguments[0].naturalWidth, arguments[0].naturalHeight]",
                rotated), "the thumbnail follows the EXIF orientation");
        assertTrue(failed.get(0).getText().contains("broken.jpg"), failed.get(0).getText());
        assertFalse(failed.get(0).findElement(By.cssSelector(".item-error")).getText().isBlank());
        assertTrue(browser.find("#status").getText().contains("Tagged 2 of 3"), browser.find("#status").getText());
        assertEquals(List.of(), browser.policyViolations());
        browser.screenshot("public-desktop");
        browser.size(1000, 900);
        browser.screenshot("public-results", "main");
        browser.size(1280, 900);
    }

    @Test
    void publicPageOnAPhoneScreenPicksAModelVersionAndTopK() {
        browser.size(390, 844);
        try {
            browser.open(publicUrl("/"));
            browser.await(TAGGING, d -> d.findElements(By.cssSelector("#model option[value='fashion@1']")).size());
            browser.find("#model option[value='fashion@1']").click();
            WebElement topK = browser.find("#topK");
            topK.clear();
            topK.sendKeys("3");
            pick(photoA);
            WebElement card = finishedCards(1).get(0);
            assertEquals(3, card.findElements(By.cssSelector(".labels .label")).size(), card.getText());
            assertTrue(card.getText().contains("version 1"), card.getText());
            long scrollWidth = (Long) browser.js("return document.documentElement.scrollWidth");
            assertTrue(scrollWidth <= 390, "no sideways scrolling on a phone: " + scrollWidth);
            browser.js("arguments[0].scrollIntoView({block: 'center'})", card);
            browser.screenshot("public-phone");
        } finally {
            browser.size(1280, 900);
        }
    }

    @Test
    void aRefusedOptionIsShownNextToItsField() {
        browser.open(publicUrl("/"));
        WebElement topK = browser.find("#topK");
        topK.clear();
        topK.sendKeys("0");
        pick(photoA);
        String error = browser.await(TAGGING, d -> {
            String t = d.findElement(By.id("topK-error")).getText();
            return t.isBlank() ? null : t;
        });
        assertTrue(error.contains("topK must be between 1 and 1000"), error);
        assertEquals("", browser.find("#threshold-error").getText());
    }

    /**
     * Page weight of both consoles and time to first result for one photo, printed for the README (a budget keeps
     * them honest): {@code mvn -B -q test -Dtest=WebConsoleTest#consolesAreLightAndThePublicPageAnswersQuickly}.
     */
    @Test
    void consolesAreLightAndThePublicPageAnswersQuickly() {
        try (ChromeBrowser fresh = new ChromeBrowser()) { // an empty cache: a first visit
            fresh.open(adminUrl("/admin/"));
            fresh.await(TAGGING, d -> d.findElement(By.id("token")).isDisplayed());
            Map<String, Object> adminWeight = fresh.transferred();
            System.out.printf("console page weight: admin %s bytes transferred on first load (%s decoded, %s "
                    + "requests: %s), DOMContentLoaded %s ms%n", adminWeight.get("total"), adminWeight.get("decoded"),
                    adminWeight.get("requests"), adminWeight.get("files"), adminWeight.get("domContentLoadedMs"));
            assertTrue(((Number) adminWeight.get("total")).longValue() < 120_000, "page weight " + adminWeight);
            fresh.open(publicUrl("/"));
            fresh.await(TAGGING, d -> d.findElements(By.cssSelector("#model optgroup")).size());
            Map<String, Object> weight = fresh.transferred();
            long start = System.nanoTime();
            fresh.find("#files").sendKeys(photoA.toAbsolutePath().toString());
            fresh.await(TAGGING, d -> d.findElements(By.cssSelector("#results .card.tagged")).size());
            double firstResultMs = (System.nanoTime() - start) / 1e6;
            System.out.printf("console page weight: public %s bytes transferred on first load (%s decoded, %s "
                    + "requests: %s), DOMContentLoaded %s ms; time to first result for one photo: %.0f ms%n",
                    weight.get("total"), weight.get("decoded"), weight.get("requests"), weight.get("files"),
                    weight.get("domContentLoadedMs"), firstResultMs);
            assertTrue(((Number) weight.get("total")).longValue() < 40_000, "page weight " + weight);
            assertTrue(firstResultMs < 5000, "first result after " + firstResultMs + " ms");
        }
    }

    @Test
    void consoleFilesCarryAPolicyThatForbidsInlineScriptsAndOtherOrigins() throws Exception {
        for (String url : List.of(publicUrl("/"), publicUrl("/console/tagger.js"), adminUrl("/admin/"),
                adminUrl("/admin/console/admin.js"), adminUrl("/admin/console/uPlot.min.js"))) {
            HttpResponse<String> r = get(url);
            assertEquals(200, r.statusCode(), url);
            String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self';")
                    && csp.contains("connect-src 'self';"), url + ": " + csp);
            assertFalse(csp.contains("unsafe-inline") || csp.contains("http"), url + ": " + csp);
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), url);
        }
        for (String page : List.of(publicUrl("/"), adminUrl("/admin/"))) {
            String html = get(page).body();
            assertFalse(java.util.regex.Pattern.compile("<script(?![^>]*\\bsrc=)").matcher(html).find(),
                    "no inline script in " + page);
            assertFalse(html.contains("//cdn") || html.contains("https://"), "nothing from another origin");
        }
    }

    @Test
    void theSameFileAgainIsA304() throws Exception {
        HttpResponse<String> first = get(publicUrl("/console/tagger.js"));
        String etag = first.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> again = HTTP.send(HttpRequest.newBuilder(URI.create(publicUrl("/console/tagger.js")))
                .header("If-None-Match", etag).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(304, again.statusCode());
        assertEquals("", again.body());
    }

    @Test
    void adminPagesAreNeverServedOnThePublicListener() throws Exception {
        for (String path : List.of("/admin/", "/admin", "/admin/console/admin.js", "/admin/console/uPlot.min.js",
                "/console/admin.js", "/console/admin.html")) {
            assertEquals(404, get(publicUrl(path)).statusCode(), path);
        }
        assertTrue(server.fileRoutes().stream().noneMatch(r -> r.contains("admin")), server.fileRoutes()
                .toString());
        assertFalse(get(publicUrl("/console/tagger.js")).body().contains("/admin/v1"), "no admin call in the "
                + "public script");
    }

    @Test
    void theAdminConsoleFilesAreTheOnlyThingServedWithoutTheToken() throws Exception {
        assertEquals(List.of("GET /admin", "GET /admin/", "GET /admin/console/admin.js",
                "GET /admin/console/console.css", "GET /admin/console/uPlot.min.css", "GET /admin/console/uPlot.min.js"),
                admin.fileRoutes());
        Set<String> api = new TreeSet<>(admin.routes());
        assertTrue(api.stream().allMatch(r -> r.split(" ", 2)[1].startsWith("/admin/v1/")), api.toString());
        for (String route : api) {
            String[] mp = route.split(" ", 2);
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(adminUrl(mp[1]
                    .replaceAll("\\{[^}]+\\}", "x")))).method(mp[0], HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, r.statusCode(), route);
        }
        HttpResponse<String> page = get(adminUrl("/admin/"));
        assertFalse(page.body().contains("fashion") || page.body().contains(TOKEN), "the page holds no data");
        HttpResponse<String> bare = HTTP.send(HttpRequest.newBuilder(URI.create(adminUrl("/admin"))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(301, bare.statusCode());
        assertEquals("/admin/", bare.headers().firstValue("Location").orElse(""));
    }

    private static void openAdminSignedOut(String hash) {
        browser.open(adminUrl("/admin/"));
        browser.js("sessionStorage.clear()");
        browser.open(adminUrl("/admin/" + hash));
        browser.driver().navigate().refresh();
    }

    private static boolean shown(String css) {
        return browser.findAll(css).stream().anyMatch(WebElement::isDisplayed);
    }

    @Test
    void withoutTheTokenTheAdminConsoleShowsNothingButTheLogin() {
        openAdminSignedOut("#models");
        browser.await(TAGGING, d -> d.findElement(By.id("token")).isDisplayed());
        assertFalse(shown("nav") || shown(".page"), "only the login shows");
        assertEquals("", browser.find("#models").getText());
        WebElement token = browser.find("#token");
        token.sendKeys("not-the-token");
        browser.find("#login button[type=submit]").click();
        String error = browser.await(TAGGING, d -> {
            String t = d.findElement(By.id("token-error")).getText();
            return t.isBlank() ? null : t;
        });
        assertTrue(error.contains("refused"), error);
        assertFalse(shown("nav") || shown(".page"), "a wrong token shows nothing either");
        assertEquals(null, browser.js("return sessionStorage.getItem('product-tagger.admin-token')"));
        assertTrue(browser.driver().manage().getCookies().isEmpty(), "no cookie");
        browser.screenshot("admin-login");
    }

    private static void signIn() {
        openAdminSignedOut("#models");
        browser.await(TAGGING, d -> d.findElement(By.id("token")).isDisplayed());
        browser.find("#token").sendKeys(TOKEN);
        browser.find("#login button[type=submit]").click();
        browser.await(TAGGING, d -> d.findElements(By.cssSelector("#models section.model")).size() >= 2);
    }

    private static void confirm() {
        browser.await(TAGGING, d -> d.findElement(By.id("confirm-yes")).isDisplayed());
        browser.find("#confirm-yes").click();
    }

    private static WebElement fashionSection() {
        return browser.find("#models section.model[data-model='fashion']");
    }

    /**
     * The path through the admin console: sign in, see a refused option next to its field, start a small
     * fine-tune, watch the progress and the curves grow, read the confusion matrix, promote the version, and the
     * public page answers with it; then roll back from the models page.
     */
    @Test
    void adminStartsAFineTuneWatchesItReadsTheEvaluationAndPromotesIt() {
        signIn();
        assertTrue(fashionSection().getText().contains("Serving version 1"), fashionSection().getText());
        browser.screenshot("admin-models");
        browser.find("nav a[href='#new']").click();
        browser.await(TAGGING, d -> d.findElement(By.id("dataset")).isDisplayed());
        assertEquals("0.2", browser.find("#validationFraction").getAttribute("value"), "defaults shown");
        assertEquals("", browser.find("#epochs").getAttribute("value"), "the recipe decides the epochs");
        assertTrue(browser.find("#epochs-default").getText().contains(Recipe.defaultsOf("epochs")),
                "each recipe's default shown: " + browser.find("#epochs-default").getText());
        browser.find("#dataset").sendKeys("photos");
        browser.find("#baseModel").sendKeys("fashion");
        browser.find("#name").sendKeys("fashion");
        set("#headOnlyEpochs", "2");
        set("#epochs", "10");
        set("#batchSize", "0");
        browser.find("#start").click();
        String error = browser.await(TAGGING, d -> {
            String t = d.findElement(By.id("batchSize-error")).getText();
            return t.isBlank() ? null : t;
        });
        assertTrue(error.contains("batchSize must be 1 to 4096"), error);
        assertEquals("", browser.find("#dataset-error").getText());
        browser.screenshot("admin-new-fine-tune");
        set("#batchSize", "8");
        browser.find("#start").click();
        browser.await(TAGGING, d -> d.getCurrentUrl().contains("#job/"));

        Set<Integer> pointsSeen = new TreeSet<>();
        Set<String> progressSeen = new TreeSet<>();
        List<String> epochsSeen = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        boolean runningShot = false;
        while (!browser.find("#job-state").getText().equals("succeeded")) {
            assertTrue(System.nanoTime() < deadline, "fine-tune still " + browser.find("#job-state").getText());
            assertFalse(List.of("failed", "cancelled").contains(browser.find("#job-state").getText()),
                    browser.find("#job-error").getText());
            String points = browser.find("#chart-loss").getAttribute("data-points");
            if (points != null) {
                pointsSeen.add(Integer.parseInt(points));
            }
            progressSeen.add(browser.find("#job-progress").getAttribute("value"));
            epochsSeen.add(browser.find("#job-epoch").getText());
            if (!runningShot && pointsSeen.stream().anyMatch(p -> p >= 3 && p < 12)) {
                browser.screenshot("admin-job-running");
                runningShot = true;
            }
            sleep(40);
        }
        int finalPoints = Integer.parseInt(browser.find("#chart-loss").getAttribute("data-points"));
        assertEquals(12, finalPoints, "one point per epoch");
        assertEquals("12", browser.find("#chart-acc").getAttribute("data-points"));
        assertTrue(pointsSeen.stream().anyMatch(p -> p > 0 && p < finalPoints), "the curves grew: " + pointsSeen);
        assertTrue(progressSeen.stream().filter(p -> !p.equals("0") && !p.equals("1")).count() >= 2,
                "the progress moved: " + progressSeen);
        assertTrue(browser.findAll("#chart-loss canvas").size() == 1, "a chart is drawn");

        browser.await(TAGGING, d -> d.findElement(By.id("evaluation")).isDisplayed());
        List<WebElement> cells = browser.findAll("#confusion td.cell");
        assertEquals(9, cells.size(), "3 x 3 confusion matrix");
        int sum = cells.stream().mapToInt(c -> Integer.parseInt(c.getText())).sum();
        assertEquals(Integer.parseInt(browser.find("#eval-images").getText()), sum, "counts of every image");
        assertTrue(cells.get(0).getAttribute("style").contains("background-color"), "a heat map");
        assertEquals(3, browser.findAll("#per-label tbody tr").size());
        assertTrue(browser.find("#eval-top1").getText().endsWith("%"));
        browser.size(1280, 1900);
        browser.screenshot("admin-job-evaluation");
        browser.size(1000, 1900);
        browser.screenshot("admin-evaluation", "#page-job");
        browser.size(1280, 900);
        assertEquals(List.of(), browser.policyViolations());

        browser.find("#promote-job").click();
        confirm();
        browser.await(TAGGING, d -> d.findElement(By.id("promote-status")).getText().contains("now serves version 2"));
        assertEquals("2", serving());

        browser.open(publicUrl("/"));
        pick(photoA);
        WebElement card = finishedCards(1).get(0);
        assertTrue(card.getText().contains("Model fashion, version 2"), card.getText());

        browser.open(adminUrl("/admin/#models")); // the token is still in this tab's session
        browser.await(TAGGING, d -> d.findElements(By.cssSelector("#models section.model")).size() >= 2);
        assertTrue(fashionSection().getText().contains("Serving version 2"), fashionSection().getText());
        fashionSection().findElement(By.cssSelector("button.rollback")).click();
        confirm();
        browser.await(TAGGING, d -> fashionSection().getText().contains("Serving version 1"));
        assertEquals("1", serving());
        assertEquals("fashion serves version 1 again.", browser.find("#models-status").getText());
        browser.screenshot("admin-models-after-rollback");
        browser.size(390, 844);
        try {
            long scrollWidth = (Long) browser.js("return document.documentElement.scrollWidth");
            assertTrue(scrollWidth <= 390, "no sideways scrolling on a phone: " + scrollWidth);
            browser.screenshot("admin-models-phone");
        } finally {
            browser.size(1280, 900);
        }
    }

    @Test
    void promotingFromTheModelsPageAsksFirstAndCancellingChangesNothing() {
        signIn();
        List<WebElement> promote = fashionSection().findElements(By.cssSelector("button.promote"));
        if (promote.isEmpty()) {
            return; // only one version yet: nothing to promote (the fine-tune test publishes version 2)
        }
        String before = serving();
        promote.get(0).click();
        browser.await(TAGGING, d -> d.findElement(By.id("confirm-no")).isDisplayed());
        browser.find("#confirm-no").click();
        sleep(300);
        assertEquals(before, serving(), "a cancelled confirmation promotes nothing");
    }

    /** Builds the index {@code shop} of the two photos through the admin API, as an operator would. */
    private static void buildShopIndex() throws Exception {
        Path catalog = Files.createDirectories(tmp.resolve("data/console-catalog"));
        if (Files.list(catalog).findAny().isEmpty()) {
            Files.copy(photoA, catalog.resolve(photoA.getFileName()));
            Files.copy(photoB, catalog.resolve(photoB.getFileName()));
        }
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(adminUrl("/admin/v1/index-builds")))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"index\":\"shop\",\"input\":\"console-catalog\","
                        + "\"model\":\"fashion\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, r.statusCode(), r.body());
        String status = new io.vertx.core.json.JsonObject(r.body()).getString("status");
        long deadline = System.nanoTime() + TAGGING.toNanos() * 4;
        String state = "queued";
        while (!Set.of("succeeded", "failed", "cancelled").contains(state) && System.nanoTime() < deadline) {
            sleep(200);
            state = new io.vertx.core.json.JsonObject(HTTP.send(HttpRequest.newBuilder(URI.create(adminUrl(status)))
                    .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString())
                    .body()).getString("state");
        }
        assertEquals("succeeded", state);
    }

    @Test
    void withAnIndexChosenEachPhotoShowsItsSimilarProductsItselfFirst() throws Exception {
        buildShopIndex();
        browser.size(1280, 900);
        browser.open(publicUrl("/"));
        set("#index", "shop");
        pick(photoB);
        WebElement card = finishedCards(1).get(0);
        List<WebElement> similar = card.findElements(By.cssSelector(".similar-items .similar-item"));
        assertEquals(2, similar.size(), card.getText());
        assertEquals("sneaker.png", similar.get(0).findElement(By.cssSelector(".similar-id")).getText(),
                card.getText());
        assertTrue(card.getText().contains("Similar products in shop (model fashion"), card.getText());
        assertEquals(List.of(), browser.policyViolations());
        browser.screenshot("public-similar", "main");
    }

    @Test
    void anUnknownIndexIsShownNextToItsFieldAndTheLabelsStay() {
        browser.size(1280, 900);
        browser.open(publicUrl("/"));
        set("#index", "no-such-index");
        pick(photoA);
        WebElement card = finishedCards(1).get(0);
        assertEquals(5, card.findElements(By.cssSelector(".labels .label")).size(), card.getText());
        assertTrue(card.findElement(By.cssSelector(".similar-error")).getText().contains("no-such-index"),
                card.getText());
        assertTrue(browser.find("#index-error").getText().contains("no index 'no-such-index'"),
                browser.find("#index-error").getText());
    }

    private static void set(String css, String value) {
        WebElement e = browser.find(css);
        e.clear();
        e.sendKeys(value);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
