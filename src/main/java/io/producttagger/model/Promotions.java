package io.producttagger.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Promotion and rollback with a history: each model folder keeps {@code .promotions.json}, the stack of
 * versions that served (newest last) and a log of every change, replaced atomically on each change.
 */
public final class Promotions {

    /** The history file in a model's folder (hidden, so the store never lists it as a version). */
    public static final String FILE = ".promotions.json";

    /**
     * One change of the serving version.
     *
     * @param action {@code promote} or {@code rollback}
     * @param from the version that served before, null if none
     * @param to the version that serves after
     * @param at when, ISO-8601
     */
    public record Change(String action, String from, String to, String at) {}

    /**
     * A model's promotion history.
     *
     * @param stack versions that served, oldest first; the last one serves
     * @param log every change, oldest first
     */
    public record History(List<String> stack, List<Change> log) {
        /** Copies the lists. */
        public History {
            stack = stack == null ? List.of() : List.copyOf(stack);
            log = log == null ? List.of() : List.copyOf(log);
        }
    }

    private final ModelRegistry registry;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Creates the service over a registry (which loads, warms and swaps). */
    public Promotions(ModelRegistry registry) {
        this.registry = registry;
    }

    /** Returns the registry whose serving versions this service changes. */
    public ModelRegistry registry() {
        return registry;
    }

    /**
     * Makes a version serve: loads and warms it, swaps, and records the change.
     *
     * @return the change
     * @throws ModelException.UnknownModel when the version does not exist
     */
    public synchronized Change promote(String name, String version) {
        new ModelRef(name, version); // InvalidName for a malformed part
        registry.store().manifest(name, version);
        String from = current(name);
        registry.promote(name, version);
        History h = history(name);
        List<String> stack = new ArrayList<>(h.stack());
        if (stack.isEmpty() && from != null) {
            stack.add(from);
        }
        if (stack.isEmpty() || !stack.get(stack.size() - 1).equals(version)) {
            stack.add(version); // promoting the serving version again is not a step to roll back over
        }
        return record(name, stack, h, new Change("promote", from, version, Instant.now().toString()));
    }

    /**
     * Makes the previously serving version serve again.
     *
     * @return the change
     * @throws ModelException.NothingToRollBack when no earlier promotion is recorded
     */
    public synchronized Change rollback(String name) {
        String from = current(name);
        if (from == null) {
            throw new ModelException.UnknownModel("no model named '" + name + "' with a serving version");
        }
        History h = history(name);
        List<String> stack = new ArrayList<>(h.stack());
        if (!stack.isEmpty() && !stack.get(stack.size() - 1).equals(from)) {
            stack.add(from); // the pointer moved outside this history; treat the current version as the top
        }
        if (stack.size() < 2) {
            throw new ModelException.NothingToRollBack("model '" + name + "' has no earlier serving version to "
                    + "roll back to; promote a version instead");
        }
        stack.remove(stack.size() - 1);
        String to = stack.get(stack.size() - 1);
        registry.promote(name, to);
        return record(name, stack, h, new Change("rollback", from, to, Instant.now().toString()));
    }

    /** Returns a model's history (empty when nothing was promoted through this class). */
    public History history(String name) {
        new ModelRef(name, null); // InvalidName for a malformed name
        Path file = registry.store().root().resolve(name).resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return new History(List.of(), List.of());
        }
        try {
            return json.readValue(file.toFile(), History.class);
        } catch (IOException e) {
            throw new ModelException("cannot read the promotion history " + file + ": " + e.getMessage(), e);
        }
    }

    private String current(String name) {
        try {
            return registry.servingVersion(name);
        } catch (ModelException.UnknownModel e) {
            return null;
        }
    }

    private Change record(String name, List<String> stack, History old, Change change) {
        List<Change> log = new ArrayList<>(old.log());
        log.add(change);
        Path dir = registry.store().root().resolve(name);
        try {
            AtomicFiles.replace(dir.resolve(FILE), tmp -> json.writeValue(tmp.toFile(), new History(stack, log)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the promotion history of '" + name + "'", e);
        }
        return change;
    }
}
