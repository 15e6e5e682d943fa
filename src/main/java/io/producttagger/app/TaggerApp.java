package io.producttagger.app;

import io.producttagger.catalog.Lanes;
import io.producttagger.cli.Components;
import io.producttagger.config.ConfigException;
import io.producttagger.config.TaggerConfig;
import io.producttagger.http.AdminAuth;
import io.producttagger.http.AdminConsoleRoutes;
import io.producttagger.http.AdminIndexRoutes;
import io.producttagger.http.AdminModelRoutes;
import io.producttagger.http.AdminOpenApiRoutes;
import io.producttagger.http.ClassifyRoutes;
import io.producttagger.http.EmbedRoutes;
import io.producttagger.http.SimilarRoutes;
import io.producttagger.index.IndexJobs;
import io.producttagger.index.IndexStore;
import io.producttagger.http.ConsoleRoutes;
import io.producttagger.http.FineTuneRoutes;
import io.producttagger.http.HealthRoutes;
import io.producttagger.http.ListenerVerticle;
import io.producttagger.http.ModelRoutes;
import io.producttagger.http.OpsRoutes;
import io.producttagger.http.TaggerMetrics;
import io.producttagger.model.EngineEnvironment;
import io.producttagger.model.ModelRegistry;
import io.producttagger.model.ModelStore;
import io.producttagger.model.Promotions;
import io.producttagger.training.data.DataRoot;
import io.producttagger.training.jobs.FineTuneService;
import io.producttagger.training.loop.FineTune;
import io.producttagger.vision.ImageDecoder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every object of the service from one {@link TaggerConfig}, for {@code serve},
 * for the other commands and for the tests alike, and closes them in the reverse order.
 *
 * <p>{@link #TaggerApp(TaggerConfig) Creating} it builds what every command shares and costs nothing to build:
 * the model store, the decoder, the metrics and the registry (which loads a version only when one is
 * acquired). {@link #start()} adds the serving part: the fine-tune service, the process's one {@link Vertx}, its
 * worker pools, and the public and admin listeners deployed on it as verticles with their route providers; the
 * default model then loads and warms in the background, and {@code /health/ready} answers 200 once it has and
 * while all of its inference workers are up.
 */
public final class TaggerApp implements Components {

    private static final Logger LOG = LoggerFactory.getLogger(TaggerApp.class);

    private final TaggerConfig config;
    private final ModelStore store;
    private final ImageDecoder decoder;
    private final TaggerMetrics metrics;
    private final ModelRegistry registry;
    private final IndexStore indexes;
    private final AtomicBoolean ready = new AtomicBoolean();
    private FineTuneService fineTunes;
    private IndexJobs indexJobs;
    private Vertx vertx;
    private WorkerExecutor decodePool;
    private WorkerExecutor adminPool;
    private ListenerVerticle publicListener;
    private ListenerVerticle adminListener;
    private String publicDeployment;
    private String adminDeployment;
    private boolean closed;

    /** Builds the shared objects; nothing is loaded, bound or started yet. */
    public TaggerApp(TaggerConfig config) {
        this.config = config;
        this.store = new ModelStore(config.modelZoo());
        this.decoder = new ImageDecoder(config.vision().maxPixels());
        this.metrics = new TaggerMetrics();
        this.registry = new ModelRegistry(store, config, decoder, metrics.classifierObserver());
        this.indexes = new IndexStore(config.indexDir(), config.indexMergeThreads());
    }

    /**
     * Builds and starts the service from a configuration, waiting until both listeners are bound.
     *
     * @throws ConfigException when the admin listener is enabled without a token
     * @throws IllegalStateException when a port cannot be bound
     */
    public static TaggerApp serve(TaggerConfig config) {
        TaggerApp app = new TaggerApp(config);
        try {
            app.startServing();
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    @Override
    public TaggerConfig config() {
        return config;
    }

    @Override
    public ModelStore store() {
        return store;
    }

    @Override
    public ImageDecoder decoder() {
        return decoder;
    }

    @Override
    public ModelRegistry registry() {
        return registry;
    }

    @Override
    public IndexStore indexes() {
        return indexes;
    }

    @Override
    public FineTune fineTune() {
        return new FineTune(store, decoder, config.fineTune().threads());
    }

    /** Returns the service's metrics. */
    public TaggerMetrics metrics() {
        return metrics;
    }

    /** Returns the fine-tune service (once started with the admin listener enabled), or null. */
    public FineTuneService fineTunes() {
        return fineTunes;
    }

    /** Returns the public listener (once started). */
    public ListenerVerticle publicListener() {
        return publicListener;
    }

    /** Returns the admin listener (once started with it enabled), or null. */
    public ListenerVerticle adminListener() {
        return adminListener;
    }

    /**
     * Returns whether the default model is loaded and warm and all its inference workers are up: false from the
     * moment a worker fails until its replacement has scored its probe image.
     */
    public boolean isReady() {
        return ready.get() && registry.isDefaultModelHealthy();
    }

    @Override
    public void startServing() {
        await(start(), 60, "start");
    }

    /**
     * Starts serving: checks the configuration, builds the fine-tune service and the listeners, deploys the admin
     * listener and then the public one, and starts loading the default model.
     *
     * @return completes once both listeners are bound
     */
    public synchronized Future<TaggerApp> start() {
        if (vertx != null || closed) {
            return Future.failedFuture(new IllegalStateException("the service was started or closed before"));
        }
        TaggerConfig.Admin admin = config.admin();
        if (admin.enabled() && admin.token().isEmpty()) {
            return Future.failedFuture(new ConfigException("the admin listener needs a token: set "
                    + "TAGGER_ADMIN_TOKEN (admin.token), or disable it with admin.enabled=false"));
        }
        TaggerConfig.Engine engine = config.engine();
        LOG.info("MXNet engine: {}, OMP_WAIT_POLICY={} (read from the environment when the natives load; the "
                + "engine type is enforced, the wait policy defaults to PASSIVE, see README)", engine.describe(),
                EngineEnvironment.waitPolicy().isEmpty() ? "(unset)"
                        : EngineEnvironment.waitPolicy());
        engine.warning(Runtime.getRuntime().availableProcessors(), config.inference().workers())
                .ifPresent(LOG::warn);
        vertx = Vertx.vertx();
        decodePool = vertx.createSharedWorkerExecutor("decode", Math.max(2,
                Runtime.getRuntime().availableProcessors()));
        metrics.watchQueues(registry);
        publicListener = ListenerVerticle.builder().optName("public")
                .setAddress(config.server().host(), config.server().port())
                .setTimeouts(config.server().idleTimeoutMs(), config.server().requestTimeoutMs(),
                        "server.request-timeout-ms, TAGGER_SERVER_REQUEST_TIMEOUT_MS")
                .setBodyIdleTimeout(config.server().bodyIdleTimeoutMs(),
                        "server.body-idle-timeout-ms, TAGGER_SERVER_BODY_IDLE_TIMEOUT_MS")
                .optCompression(true).optMetrics(metrics).optGraceSeconds(30)
                .addRoutes(new ConsoleRoutes(), new HealthRoutes(this::isReady),
                        new ModelRoutes(registry, decodePool),
                        new ClassifyRoutes(config, registry, metrics, decodePool),
                        new EmbedRoutes(config, registry, decodePool),
                        new SimilarRoutes(config, registry, indexes, decodePool), new OpsRoutes(metrics))
                .build();
        Future<String> deployed = Future.succeededFuture("");
        if (admin.enabled()) {
            fineTunes = new FineTuneService(config, fineTune());
            // a build embeds on one lane per core, as `index` does by default
            indexJobs = new IndexJobs(indexes, registry,
                    Lanes.Settings.of(config, Runtime.getRuntime().availableProcessors()));
            adminPool = vertx.createSharedWorkerExecutor("admin", 2);
            adminListener = ListenerVerticle.builder().optName("admin")
                    .setAddress(admin.host(), admin.port())
                    .setTimeouts(config.server().idleTimeoutMs(), admin.requestTimeoutMs(),
                            "admin.request-timeout-ms, TAGGER_ADMIN_REQUEST_TIMEOUT_MS")
                    .setBodyIdleTimeout(admin.bodyIdleTimeoutMs(),
                            "admin.body-idle-timeout-ms, TAGGER_ADMIN_BODY_IDLE_TIMEOUT_MS")
                    .optGraceSeconds(10)
                    .optBodyLimitDetail(FineTuneRoutes.bodyLimitDetail(config.fineTune()))
                    // the console's files come before the token check: a browser opens them without the token
                    .addRoutes(new AdminConsoleRoutes(), new AdminAuth(admin.token()),
                            new FineTuneRoutes(fineTunes, adminPool, config.server().idleTimeoutMs()),
                            new AdminModelRoutes(new Promotions(registry), adminPool),
                            new AdminIndexRoutes(indexes, indexJobs, new DataRoot(config.fineTune().dataRoot()),
                                    adminPool),
                            new AdminOpenApiRoutes())
                    .build();
            deployed = vertx.deployVerticle(adminListener).onSuccess(id -> adminDeployment = id);
        }
        return deployed.compose(id -> vertx.deployVerticle(publicListener))
                .onSuccess(id -> {
                    publicDeployment = id;
                    warmDefaultModel();
                })
                .map(id -> this);
    }

    private void warmDefaultModel() {
        // the model loads on the registry's load pool; a decode thread only runs the one warm-up inference
        decodePool.executeBlocking(() -> registry.acquireAsync(null), false)
                .compose(Future::fromCompletionStage)
                .compose(leased -> decodePool.executeBlocking(() -> {
                    try (ModelRegistry.Lease lease = leased) {
                        lease.model().warmUp();
                        return lease.model().id();
                    }
                }, false))
                .onSuccess(id -> {
                    ready.set(true);
                    LOG.info("model {} loaded and warm; ready", id);
                })
                .onFailure(e -> LOG.error("default model '{}' failed to load: {}", registry.defaultModel(),
                        e.getMessage()));
    }

    /**
     * Stops what was started, in reverse: the public listener (in-flight requests get 30 s), the admin listener
     * (10 s), the fine-tune service, the worker pools and Vert.x, then every loaded model version.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (vertx != null) {
            // the listeners stop first (composed: public, then admin), so no request arrives at what closes next
            await(undeploy(publicDeployment).eventually(() -> undeploy(adminDeployment)), 60, "stop listening");
            if (fineTunes != null) {
                fineTunes.close();
            }
            if (indexJobs != null) {
                indexJobs.close(); // a running build commits what it added, before the models it uses close
            }
            Future<Void> pools = adminPool == null ? decodePool.close()
                    : Future.all(decodePool.close(), adminPool.close()).mapEmpty();
            await(pools, 30, "close its worker pools");
            // awaited apart: Vert.x's own close future completes after its event loops, which would run any
            // callback chained to it, have stopped
            await(vertx.close(), 30, "close Vert.x");
        }
        indexes.close();
        registry.close();
    }

    private Future<Void> undeploy(String deployment) {
        return deployment == null ? Future.succeededFuture() : vertx.undeploy(deployment);
    }

    /** Waits for a future on the calling thread (never an event loop): the start and end of the process. */
    private static <T> T await(Future<T> future, int seconds, String what) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + what, e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the service did not " + what + " within " + seconds + " s", e);
        }
    }
}
