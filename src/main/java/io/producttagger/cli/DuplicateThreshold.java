package io.producttagger.cli;

import io.producttagger.config.ConfigException;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The {@code --threshold} of {@code dedupe} and {@code eval-duplicates}: a flag for {@code dedupe.threshold}, so
 * its default and range check live in the configuration alone.
 */
final class DuplicateThreshold {

    @Option(names = "--threshold", paramLabel = "COSINE", description = "lowest cosine similarity of near "
            + "duplicates (dedupe.threshold; default ${bundle:default.dedupe.threshold}, measured: README)")
    Double threshold;

    /** Returns the components built with the flag applied; a value out of range is a usage error. */
    Components components(TaggerCommand parent, CommandSpec spec) {
        Map<String, String> flags = threshold == null ? Map.of() : Map.of("dedupe.threshold", threshold.toString());
        try {
            return parent.components(flags);
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), "--threshold: " + e.getMessage());
        }
    }
}
