package io.producttagger.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.producttagger.catalog.CatalogException;
import io.producttagger.catalog.CatalogSource;
import io.producttagger.catalog.Lanes;
import io.producttagger.config.TaggerConfig;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * The options of the commands that embed a catalog ({@code index}, {@code dedupe}, {@code eval-duplicates}): the
 * input, the model whose embeddings to use, the lanes that embed, and quiet; a picocli mixin, so each command
 * declares them once.
 */
final class CatalogInput {

    @Parameters(index = "0", paramLabel = "INPUT", description = "a folder of images, or a .csv/.jsonl manifest")
    Path input;

    @Option(names = "--model", paramLabel = "NAME[@VERSION]",
            description = "model whose embeddings to use (default: model.name, its serving version)")
    String model;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar, only the summary")
    boolean quiet;

    @Option(names = "--threads", description = "lanes: threads that each read, decode and embed their own batches "
            + "of inference.max-batch images on one OpenMP thread (default: the number of cores, ${DEFAULT-VALUE})")
    int threads = Runtime.getRuntime().availableProcessors();

    /** Returns the lanes to embed on ({@code --threads}); fewer than one is a usage error of {@code spec}'s command. */
    Lanes.Settings lanes(CommandSpec spec, TaggerConfig config) {
        if (threads < 1) {
            throw new ParameterException(spec.commandLine(), "--threads must be >= 1");
        }
        return Lanes.Settings.of(config, threads);
    }

    /** Opens the input; a missing or malformed one is a usage error of {@code spec}'s command. */
    CatalogSource open(CommandSpec spec) {
        try {
            return CatalogSource.open(input, new ObjectMapper());
        } catch (CatalogException.InvalidArgument e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
