package io.producttagger.model;

import io.producttagger.config.TaggerConfig;
import io.producttagger.vision.ImageDecoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The model versions this process has loaded, by {@code name@version}, and which version of each serves.
 *
 * <p>Callers {@link #acquire} a version for as long as they use it and close the {@link Lease} afterwards. The
 * serving version of every model stays loaded; of the others (a request naming {@code NAME@VERSION}, a version
 * that served before a promotion) at most {@code inference.max-other-versions} stay loaded, and beyond that the
 * least recently used one is let go: it leaves the registry at once, so no new request gets it, and it closes (its
 * queue drained, its workers stopped, its native memory freed) when its last lease closes. A client naming version
 * after version therefore cannot make the process hold them all.
 *
 * <p>The serving version is read from the model's pointer file and read again whenever that file or the model's
 * folder changes, so a promotion made by another process (or a version published with no pointer) is picked up
 * by the next request. Promotion through this registry loads and warms the new version before it writes the
 * pointer, so no request waits for a load.
 *
 * <p>Versions load on a pool of their own, {@code inference.load-threads} threads, never on the caller's
 * thread: {@link #acquireAsync} returns at once, so a request waiting for a load holds no decode thread. What a
 * request from the network may load is capped: when a version that does not serve would need loading while
 * {@code inference.load-threads} versions are loading already, {@code acquireAsync} fails with
 * {@link ModelException.Overloaded} (503, retry) instead of queueing, so a client naming version after version
 * cannot line up loads. A model's serving version and the in-process callers ({@link #acquire}: the CLI,
 * promotion, warm-up) are never refused: they wait their turn.
 */
public final class ModelRegistry implements AutoCloseable {

    /** A version in use: close it when done, so that an evicted version can be freed. */
    public interface Lease extends AutoCloseable {
        /** Returns the version. */
        ServingModel model();

        /** Ends this use of the version; idempotent. */
        @Override
        void close();
    }

    /** What the serving version of a model was, and the file times it was read at. */
    private record Pointer(String version, FileTime pointerTime, FileTime folderTime) {}

    /** One loaded (or loading) version and the leases held on it. */
    private static final class Entry {
        final String name;
        final String version;
        final ModelOutput output;
        final CompletableFuture<ServingModel> model = new CompletableFuture<>();
        int leases;
        boolean evicted;

        Entry(String name, String version, ModelOutput output) {
            this.name = name;
            this.version = version;
            this.output = output;
        }

        String id() {
            return key(name, version, output);
        }
    }

    /**
     * The registry key of a loaded version: {@code name@version}, plus {@code #} and the output's name for any output
     * but label scores ({@code #embedding}, {@code #duplicates}).
     */
    private static String key(String name, String version, ModelOutput output) {
        return name + "@" + version + (output == ModelOutput.LABEL_SCORES ? ""
                : "#" + output.name().toLowerCase(java.util.Locale.ROOT));
    }

    private final ModelStore store;
    private final TaggerConfig config;
    private final ImageDecoder decoder;
    private final InferencePool.Observer observer;
    private final int maxOtherVersions;
    private final int loadThreads;
    private final Executor loads;
    /** The load pool this registry started and shuts down, or null when it was given one. */
    private final ExecutorService ownLoads;
    /** Access order: the first entry is the least recently acquired. Guarded by itself. */
    private final LinkedHashMap<String, Entry> loaded = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Pointer> serving = new ConcurrentHashMap<>();
    /** Versions loading now; guarded by {@link #loaded}. */
    private int loading;
    private boolean closed;

    /**
     * Creates a registry over a store, with a load pool of its own ({@code inference.load-threads} daemon
     * threads, shut down by {@link #close()}); nothing loads until asked.
     */
    public ModelRegistry(ModelStore store, TaggerConfig config, ImageDecoder decoder, InferencePool.Observer observer) {
        this(store, config, decoder, observer, null);
    }

    /**
     * Creates a registry over a store whose versions load on {@code loads}, which the caller owns (and shuts down
     * after closing the registry); the registry still lets at most {@code inference.load-threads} requests from
     * the network load at once. Nothing loads until asked.
     */
    public ModelRegistry(ModelStore store, TaggerConfig config, ImageDecoder decoder, InferencePool.Observer observer,
            Executor loads) {
        this.store = store;
        this.config = config;
        this.decoder = decoder;
        this.observer = observer;
        this.maxOtherVersions = config.inference().maxOtherVersions();
        this.loadThreads = config.inference().loadThreads();
        this.ownLoads = loads == null ? loadPool(loadThreads) : null;
        this.loads = loads == null ? ownLoads : loads;
    }

    private static ExecutorService loadPool(int threads) {
        AtomicInteger n = new AtomicInteger();
        // unbounded only in principle: requests from the network queue no load (they are capped at the thread
        // count), so what waits is the few loads of serving versions and in-process callers
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "model-load-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Returns the store. */
    public ModelStore store() {
        return store;
    }

    /** Returns the name of the model that serves when a request names none. */
    public String defaultModel() {
        return config.model();
    }

    /**
     * Acquires {@code NAME} (its serving version) or {@code NAME@VERSION}; null or blank means the default
     * model. Waits for the version to load if needed (blocking: never call it on an event loop); a load is never
     * refused, it waits its turn on the load pool.
     *
     * @throws ModelException.InvalidName when the name or version is malformed
     * @throws ModelException.UnknownModel when the model or version does not exist
     */
    public Lease acquire(String spec) {
        return await(() -> ModelRef.parse(spec, config.model()), ModelOutput.LABEL_SCORES, false);
    }

    /**
     * Acquires {@code NAME} or {@code NAME@VERSION} loaded to answer {@code output}; as {@link #acquire(String)}.
     * A version loaded for embeddings is an entry of its own beside the one for labels (its own pool), kept and let
     * go by the same rules.
     */
    public Lease acquire(String spec, ModelOutput output) {
        return await(() -> ModelRef.parse(spec, config.model()), output, false);
    }

    /** Acquires a version, loading it on first use; as {@link #acquire(String)} with {@code NAME@VERSION}. */
    public Lease acquire(String name, String version) {
        return await(() -> new ModelRef(name, version), ModelOutput.LABEL_SCORES, false);
    }

    /**
     * Acquires {@code NAME} or {@code NAME@VERSION} (null or blank: the default model) for a request from the
     * network: returns at once, with a stage that completes when the version is loaded, so the caller holds no
     * thread while it loads. It reads the model's pointer file's time (blocking file metadata: call it off the
     * event loop).
     *
     * @return a stage that completes with the lease, or fails with {@link ModelException.InvalidName},
     *     {@link ModelException.UnknownModel}, {@link ModelException.NotServable}, or {@link ModelException.Overloaded}
     *     when the version does not serve, is not loaded, and {@code inference.load-threads} versions are loading
     *     already
     */
    public CompletableFuture<Lease> acquireAsync(String spec) {
        return acquireAsync(spec, ModelOutput.LABEL_SCORES);
    }

    /** As {@link #acquireAsync(String)}, for the version loaded to answer {@code output}. */
    public CompletableFuture<Lease> acquireAsync(String spec, ModelOutput output) {
        try {
            return acquire(ModelRef.parse(spec, config.model()), output, true);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Lease await(Supplier<ModelRef> ref, ModelOutput output, boolean capped) {
        try {
            return acquire(ref.get(), output, capped).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /**
     * Leases a version, starting its load on the load pool if no one has; when {@code capped}, a version that does
     * not serve is not loaded while {@code inference.load-threads} loads run.
     */
    private CompletableFuture<Lease> acquire(ModelRef ref, ModelOutput output, boolean capped) {
        // read even for NAME@VERSION: eviction must know which version serves (and a missing model is UnknownModel)
        String serving = servingVersion(ref.name());
        String name = ref.name();
        String version = ref.version() != null ? ref.version() : serving;
        Entry entry;
        boolean load = false;
        synchronized (loaded) {
            if (closed) {
                throw new ModelException.Overloaded("the service is shutting down");
            }
            String id = key(name, version, output);
            entry = loaded.get(id);
            if (entry == null) {
                if (capped && !version.equals(serving) && loading >= loadThreads) {
                    store.manifest(name, version); // a version that does not exist is UnknownModel, loads or not
                    throw new ModelException.Overloaded(id + " is not loaded, and " + loading + " version(s) are "
                            + "loading already, as many as may load at once (inference.load-threads)");
                }
                entry = new Entry(name, version, output);
                loaded.put(id, entry);
                loading++;
                load = true;
            }
            entry.leases++;
        }
        if (load) {
            startLoad(entry);
        }
        Entry leased = entry;
        CompletableFuture<Lease> lease = entry.model.thenApply(model -> {
            evictBeyondLimit().forEach(ServingModel::close);
            return new EntryLease(leased, model);
        });
        lease.whenComplete((l, failure) -> {
            if (failure != null) {
                release(leased);
            }
        });
        return lease;
    }

    private void startLoad(Entry entry) {
        try {
            loads.execute(() -> load(entry));
        } catch (RejectedExecutionException e) {
            failed(entry, new ModelException.Overloaded("the service is shutting down"));
        }
    }

    private void load(Entry entry) {
        ServingModel model;
        try {
            store.manifest(entry.name, entry.version); // UnknownModel if absent
            TaggerConfig.Inference inf = config.inference();
            model = new ServingModel(LoadedModel.load(store, entry.name, entry.version, entry.output), decoder,
                    new InferencePool.Settings(inf.workers(), inf.maxBatch(), inf.maxDelayMs(), inf.queueCapacity()),
                    observer);
        } catch (RuntimeException | Error e) {
            failed(entry, e);
            return;
        }
        boolean keep;
        synchronized (loaded) {
            loading--;
            keep = !closed;
        }
        if (keep) {
            entry.model.complete(model);
        } else {
            model.close(); // the registry closed while it loaded: no one else would close it
            entry.model.completeExceptionally(new ModelException.Overloaded("the service is shutting down"));
        }
    }

    /** A load failed: the entry leaves, so the next request tries again, and its waiters hear why. */
    private void failed(Entry entry, Throwable e) {
        synchronized (loaded) {
            loading--;
            loaded.remove(entry.id(), entry);
        }
        entry.model.completeExceptionally(e);
    }

    /** Takes the least recently used versions that do not serve out of the registry; returns those now unused. */
    private List<ServingModel> evictBeyondLimit() {
        List<ServingModel> freed = new ArrayList<>();
        synchronized (loaded) {
            int others = 0;
            for (Entry e : loaded.values()) {
                others += isServing(e) ? 0 : 1;
            }
            for (Iterator<Entry> it = loaded.values().iterator(); it.hasNext() && others > maxOtherVersions; ) {
                Entry e = it.next();
                if (isServing(e) || !e.model.isDone()) {
                    continue; // a version still loading is about to be used by whoever asked for it
                }
                it.remove();
                others--;
                e.evicted = true;
                if (e.leases == 0) {
                    freed.add(e.model.join());
                }
            }
        }
        return freed;
    }

    private boolean isServing(Entry e) {
        Pointer p = serving.get(e.name);
        return p != null && p.version().equals(e.version);
    }

    private void release(Entry entry) {
        ServingModel free = null;
        synchronized (loaded) {
            entry.leases--;
            if (entry.leases == 0 && entry.evicted && entry.model.isDone()
                    && !entry.model.isCompletedExceptionally()) {
                free = entry.model.join();
            }
        }
        if (free != null) {
            free.close();
        }
    }

    /**
     * Returns the serving version of a model (pointer file, else newest), read again when the pointer or the
     * model's folder has changed since it was last read.
     *
     * @throws ModelException.InvalidName when the name is malformed
     * @throws ModelException.UnknownModel when no such model exists
     */
    public String servingVersion(String name) {
        new ModelRef(name, null); // InvalidName for a malformed name
        Path dir = store.root().resolve(name);
        FileTime pointerTime = modified(dir.resolve(ModelStore.POINTER));
        FileTime folderTime = modified(dir);
        Pointer known = serving.get(name);
        if (known != null && Objects.equals(known.pointerTime(), pointerTime)
                && Objects.equals(known.folderTime(), folderTime)) {
            return known.version();
        }
        Pointer read = new Pointer(store.resolveVersion(name), pointerTime, folderTime);
        serving.put(name, read);
        return read.version();
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new ModelException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes a version the serving one: loads and warms it, writes the pointer, then swaps; the version that
     * served before becomes one of the others, let go when it is the least recently used beyond the limit.
     */
    public void promote(String name, String version) {
        try (Lease lease = acquire(name, version)) {
            lease.model().warmUp();
            store.setServing(name, version);
            Path dir = store.root().resolve(name);
            serving.put(name, new Pointer(version, modified(dir.resolve(ModelStore.POINTER)), modified(dir)));
        }
        evictBeyondLimit().forEach(ServingModel::close);
    }

    /**
     * Returns whether the default model's serving version is loaded and every one of its inference workers is up
     * (see {@link InferencePool#isHealthy()}): what readiness reports. The version is the serving one as last read,
     * so a probe reads no file.
     */
    public boolean isDefaultModelHealthy() {
        Pointer p = serving.get(config.model());
        if (p == null) {
            return false;
        }
        Entry e;
        synchronized (loaded) {
            // the serving version is never evicted, so moving it in the access order changes nothing
            e = loaded.get(config.model() + "@" + p.version());
        }
        return e != null && e.model.isDone() && !e.model.isCompletedExceptionally()
                && e.model.join().pool().isHealthy();
    }

    /** Returns the versions loaded now (not those still loading). */
    public List<ServingModel> loaded() {
        List<ServingModel> out = new ArrayList<>();
        synchronized (loaded) {
            for (Entry e : loaded.values()) {
                if (e.model.isDone() && !e.model.isCompletedExceptionally()) {
                    out.add(e.model.join());
                }
            }
        }
        return out;
    }

    /**
     * Closes every loaded version, finishing queued work first, and the registry's own load pool; later
     * acquisitions are refused, and a version still loading is closed once loaded.
     */
    @Override
    public void close() {
        List<Entry> all;
        synchronized (loaded) {
            closed = true;
            all = new ArrayList<>(loaded.values());
            loaded.clear();
        }
        if (ownLoads != null) {
            ownLoads.shutdown();
        }
        for (Entry e : all) {
            if (e.model.isDone() && !e.model.isCompletedExceptionally()) {
                e.model.join().close();
            }
        }
    }

    private final class EntryLease implements Lease {
        private final Entry entry;
        private final ServingModel model;
        private boolean released;

        EntryLease(Entry entry, ServingModel model) {
            this.entry = entry;
            this.model = model;
        }

        @Override
        public ServingModel model() {
            return model;
        }

        @Override
        public synchronized void close() {
            if (!released) {
                released = true;
                release(entry);
            }
        }
    }
}
