package io.producttagger.http;

import io.producttagger.TestSupport;
import io.producttagger.config.TaggerConfig;
import io.producttagger.model.ModelRegistry;
import io.producttagger.training.FineTuneFixtures;
import io.producttagger.training.jobs.FineTuneService;
import io.producttagger.training.jobs.UploadFolders;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Both listeners started as in production ({@code serve}, through {@link ServingStack}) over a temporary zoo and data root, with short
 * timeouts so that tests of connections that never finish are quick; what hostile-input tests share.
 */
final class HostileFixture implements AutoCloseable {

    static final String TOKEN = "hostile-test-token";
    /** The idle (request head) timeout of both listeners in these tests. */
    static final long IDLE_MS = 1500;
    /** The request timeout of both listeners in these tests. */
    static final long REQUEST_MS = 2500;

    final Path tmp;
    final Path data;
    final Path outside;
    final TaggerConfig config;
    final ModelRegistry registry;
    final FineTuneService jobs;
    final ListenerVerticle admin;
    final ListenerVerticle server;
    private final ServingStack stack;
    final HttpClient http = HttpClient.newHttpClient();

    HostileFixture() throws Exception {
        TestSupport.offline();
        tmp = Files.createTempDirectory("hostile-");
        Path zoo = FineTuneFixtures.zooWithFashion(tmp.resolve("zoo"));
        data = Files.createDirectories(tmp.resolve("data"));
        outside = FineTuneFixtures.photoSet(tmp.resolve("outside"), 3);
        FineTuneFixtures.photoSet(data.resolve("few"), 3);
        // ways out of the data root that must all be refused: a linked data set, a linked label folder,
        // manifests naming files outside, a link to a file outside, and a missing file
        Files.createSymbolicLink(data.resolve("linked"), outside);
        FineTuneFixtures.photoSet(data.resolve("labels-linked"), 3);
        Files.createSymbolicLink(data.resolve("labels-linked/secrets"), outside.resolve("bags"));
        Files.createSymbolicLink(data.resolve("link.jpg"), outside.resolve("bags/img0.jpg"));
        Files.writeString(data.resolve("manifest-outside.csv"), "../outside/bags/img0.jpg,bags\n"
                + "few/sneakers/img0.jpg,sneakers\n");
        Files.writeString(data.resolve("manifest-link.csv"), "link.jpg,bags\nfew/sneakers/img0.jpg,sneakers\n");
        Files.writeString(data.resolve("manifest-missing.csv"), "nope.jpg,bags\nfew/sneakers/img0.jpg,sneakers\n");
        Files.createDirectories(data.resolve(UploadFolders.FOLDER));
        config = ServingStack.config(zoo, data, TOKEN, "server.max-images", "4",
                "server.max-body-bytes", "3000000", "server.idle-timeout-ms", Long.toString(IDLE_MS),
                "server.request-timeout-ms", Long.toString(REQUEST_MS), "admin.request-timeout-ms",
                Long.toString(REQUEST_MS), "finetune.max-upload-bytes", "2000000", "finetune.max-upload-files", "40");
        stack = new ServingStack(config);
        registry = stack.registry;
        jobs = stack.jobs;
        admin = stack.admin;
        server = stack.server;
    }

    /** Sends a request to the public ({@code admin} false) or the admin listener, with the token on the admin one. */
    HttpResponse<String> send(boolean toAdmin, HttpRequest.Builder b) throws IOException, InterruptedException {
        if (toAdmin) {
            b.header("Authorization", "Bearer " + TOKEN);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request builder for a path on one of the listeners. */
    HttpRequest.Builder request(boolean toAdmin, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(toAdmin) + path))
                .timeout(java.time.Duration.ofSeconds(30));
    }

    int port(boolean toAdmin) {
        return toAdmin ? admin.port() : server.port();
    }

    /** Names of temporary files this stack could leave: our upload folders, Netty's spooled parts, Vert.x's. */
    private static final java.util.regex.Pattern TEMP = java.util.regex.Pattern.compile(
            "product-tagger-uploads-.*|FUp_.*|Attr_.*|upload.*|vertx-.*|.*\\.tmp");

    /**
     * Every file and folder under the data root and the outside folder, the temporary files of this stack in
     * the JVM's temporary folder (other processes share that folder, so only names this stack would write are
     * compared), and Vert.x's default uploads folder in the working directory.
     */
    Set<String> filesOnDisk() throws IOException {
        Set<String> all = new TreeSet<>();
        for (Path root : new Path[] {data, outside}) {
            try (Stream<Path> walk = Files.walk(root)) {
                walk.forEach(p -> all.add(p.toString()));
            }
        }
        try (Stream<Path> list = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            list.filter(p -> TEMP.matcher(p.getFileName().toString()).matches())
                    .forEach(p -> all.add("tmp:" + p.getFileName()));
        }
        if (Files.exists(Path.of("file-uploads"))) {
            all.add("file-uploads");
        }
        return all;
    }

    /** Whether both listeners still answer: the public one ready, the admin one authenticated. */
    boolean healthy() throws IOException, InterruptedException {
        return send(false, request(false, "/health/ready")).statusCode() == 200
                && send(true, request(true, "/admin/v1/fine-tunes?limit=1")).statusCode() == 200;
    }

    @Override
    public void close() throws IOException {
        stack.close();
        try (Stream<Path> walk = Files.walk(tmp)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
