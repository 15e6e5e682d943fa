package io.producttagger.cli;

import io.producttagger.catalog.CatalogEmbedding;
import io.producttagger.catalog.CatalogItem;
import io.producttagger.catalog.CatalogSource;
import io.producttagger.catalog.Lanes;
import io.producttagger.index.DuplicateGroups;
import io.producttagger.model.ModelOutput;
import io.producttagger.model.ModelRegistry;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code dedupe}: groups a catalog's duplicates: exact ones by content hash (SHA-256 of the file), near ones by
 * the cosine similarity of their duplicate descriptors ({@code ModelOutput.DUPLICATES}: the feature map pooled
 * over four regions, and the foreground's hue) at or above a threshold, written as CSV groups.
 *
 * <p>Every descriptor is held in memory and compared with every other (exact, no index): fine for tens of thousands
 * of images; a larger catalog belongs in an {@code index} and its nearest-neighbour search.
 */
@Command(name = "dedupe", mixinStandardHelpOptions = true, resourceBundle = "io.producttagger.cli.ConfigDefaults",
        description = {"Group the duplicates of a folder (recursively) or a CSV/JSONL manifest: exact duplicates by "
                + "content hash, near duplicates (re-encoded, resized, cropped copies, another backdrop) by the similarity of "
                + "a duplicate descriptor (regional features and foreground hue). "
                + "Writes one CSV row per grouped image: group, id, path, match (exact|near), similarity to the "
                + "group's first image.",
                "Exit codes: 0 done, 3 some images failed, 2 usage error, 1 failure."})
final class DedupeCommand implements Callable<Integer> {

    @ParentCommand
    private TaggerCommand parent;

    @Spec
    private CommandSpec spec;

    @Mixin
    private CatalogInput input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "groups file (.csv)")
    private Path output;

    @Mixin
    private DuplicateThreshold threshold;

    @Option(names = "--overwrite", description = "replace an existing output")
    private boolean overwrite;

    private record Item(CatalogItem item, String hash, float[] vector) {}

    @Override
    public Integer call() {
        if (Files.exists(output) && !overwrite) {
            throw new ParameterException(spec.commandLine(), output + " exists; pass --overwrite to replace it");
        }
        CatalogSource source = input.open(spec);
        Components components = threshold.components(parent, spec);
        double cosine = components.config().duplicateThreshold();
        Lanes.Settings lanes = input.lanes(spec, components.config());
        List<Item> items = new ArrayList<>();
        List<String> failures;
        try (components;
                ModelRegistry.Lease lease = components.registry().acquire(input.model, ModelOutput.DUPLICATES);
                ProgressBar bar = Progress.start("dedupe", source.count(), "img", input.quiet, System.err);
                Stream<CatalogItem> stream = source.items();
                CatalogEmbedding embedding = new CatalogEmbedding(lease.model(), lanes, bar::stepBy,
                        (item, bytes, vector) -> items.add(new Item(item, sha256(bytes), vector)))) {
            stream.forEach(embedding::add);
            embedding.flush();
            failures = embedding.failures();
        }
        int[] groups = write(items, cosine);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "done: %d images, %d groups holding %d images (cosine >= %s), %d failed -> %s%n",
                items.size(), groups[0], groups[1], cosine, failures.size(), output);
        out.flush();
        failures.stream().limit(20).forEach(f -> spec.commandLine().getErr().println("  failed " + f));
        spec.commandLine().getErr().flush();
        return failures.isEmpty() ? ExitCodes.OK : ExitCodes.PARTIAL;
    }

    /** Groups the items (exact and near pairs, transitively) and writes them; returns groups and their items. */
    private int[] write(List<Item> items, double cosine) {
        List<List<Integer>> all = DuplicateGroups.of(items.stream().map(Item::hash).toList(),
                items.stream().map(Item::vector).toList(), cosine);
        int groups = 0;
        int grouped = 0;
        try (BufferedWriter w = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
            w.write("group,id,path,match,similarity\n");
            for (List<Integer> g : all) {
                if (g.size() < 2) {
                    continue;
                }
                groups++;
                grouped += g.size();
                Item head = items.get(g.get(0));
                for (int m : g) {
                    Item it = items.get(m);
                    boolean exact = it.hash().equals(head.hash());
                    double sim = exact ? 1.0 : DuplicateGroups.cosine(head.vector(), it.vector());
                    w.write(String.join(",", Integer.toString(groups), csv(it.item().id()), csv(it.item().path()),
                            exact ? "exact" : "near", String.format(Locale.ROOT, "%.6f", sim)));
                    w.write("\n");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + output + ": " + e.getMessage(), e);
        }
        return new int[] {groups, grouped};
    }

    private static String csv(String field) {
        return field.contains(",") || field.contains("\"") || field.contains("\n")
                ? "\"" + field.replace("\"", "\"\"") + "\"" : field;
    }

    /** Returns the SHA-256 of {@code bytes} in hex: equal files, equal hashes. */
    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
