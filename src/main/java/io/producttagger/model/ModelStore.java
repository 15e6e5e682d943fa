package io.producttagger.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code model-zoo/} folder: {@code NAME/VERSION/} holds a version's parameters and {@code model.json},
 * and {@code NAME/SERVING} names the version that serves.
 *
 * <p>Versions are published atomically: written into a hidden temporary folder beside their final place,
 * then renamed, so a reader sees a whole version or none. The pointer file is replaced the same way.
 */
public final class ModelStore {

    /** The pointer file in a model's folder that names its serving version. */
    public static final String POINTER = "SERVING";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final Path root;
    private final ObjectMapper json;

    /**
     * Opens a store.
     *
     * @param root the {@code model-zoo} folder; created on first publish
     */
    public ModelStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.json = new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** Returns the store's root folder. */
    public Path root() {
        return root;
    }

    /** Throws unless {@code value} is a safe model name or version (no path separators, no dot-dot). */
    static void checkName(String what, String value) {
        if (value == null || !NAME.matcher(value).matches() || value.contains("..")) {
            throw new IllegalArgumentException(what + " '" + value
                    + "' must be 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit");
        }
    }

    /** Returns the names of the models in the store, sorted. */
    public List<String> models() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> Files.isDirectory(p) && isPublicName(p)).map(p -> p.getFileName().toString())
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns a model's published versions, oldest first (numeric versions in numeric order). */
    public List<String> versions(String name) {
        checkName("model name", name);
        Path dir = root.resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new ModelException.UnknownModel("no model named '" + name + "' in " + root);
        }
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (Files.isDirectory(p) && isPublicName(p) && Files.isRegularFile(p.resolve(ModelManifest.FILE))) {
                    out.add(p.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(VERSION_ORDER);
        return out;
    }

    /** Orders numeric versions numerically, then others by name. */
    public static final Comparator<String> VERSION_ORDER = Comparator
            .comparing((String v) -> !v.chars().allMatch(Character::isDigit))
            .thenComparing(v -> v.chars().allMatch(Character::isDigit) ? String.format("%20s", v) : v);

    private static boolean isPublicName(Path p) {
        return !p.getFileName().toString().startsWith(".");
    }

    /** Returns the folder of a version (which may not exist). */
    public Path versionDir(String name, String version) {
        checkName("model name", name);
        checkName("model version", version);
        return root.resolve(name).resolve(version);
    }

    /** Reads a version's manifest. */
    public ModelManifest manifest(String name, String version) {
        Path file = versionDir(name, version).resolve(ModelManifest.FILE);
        if (!Files.isRegularFile(file)) {
            throw new ModelException.UnknownModel("model '" + name + "' has no version '" + version + "'");
        }
        return readManifest(file);
    }

    /** Reads a manifest file. */
    public ModelManifest readManifest(Path file) {
        try {
            return json.readValue(file.toFile(), ModelManifest.class);
        } catch (IOException e) {
            throw new ModelException("cannot read model manifest " + file + ": " + e.getMessage(), e);
        }
    }

    /** Returns the version the pointer file names, if the model has one. */
    public Optional<String> servingVersion(String name) {
        checkName("model name", name);
        Path pointer = root.resolve(name).resolve(POINTER);
        try {
            if (!Files.isRegularFile(pointer)) {
                return Optional.empty();
            }
            String v = Files.readString(pointer).trim();
            return v.isEmpty() ? Optional.empty() : Optional.of(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the serving version, or the newest version when no pointer exists. */
    public String resolveVersion(String name) {
        return servingVersion(name).orElseGet(() -> {
            List<String> versions = versions(name);
            if (versions.isEmpty()) {
                throw new ModelException.UnknownModel("model '" + name + "' has no published version");
            }
            return versions.get(versions.size() - 1);
        });
    }

    /** Resolves {@code NAME} (to its serving version) or {@code NAME@VERSION}, null meaning {@code defaultName}. */
    public ModelRef resolve(String spec, String defaultName) {
        ModelRef ref = ModelRef.parse(spec, defaultName);
        return ref.version() != null ? ref : new ModelRef(ref.name(), resolveVersion(ref.name()));
    }

    /** Returns the next free numeric version of a model ({@code 1} for a new one). */
    public String nextVersion(String name) {
        checkName("model name", name);
        if (!Files.isDirectory(root.resolve(name))) {
            return "1";
        }
        long max = versions(name).stream().filter(v -> v.chars().allMatch(Character::isDigit))
                .mapToLong(Long::parseLong).max().orElse(0);
        return Long.toString(max + 1);
    }

    /** Writes the parameter files of a version into a folder. */
    @FunctionalInterface
    public interface ParameterWriter {
        /** Writes the parameters into {@code dir}. */
        void writeTo(Path dir) throws IOException;
    }

    /**
     * Publishes a new version atomically: parameters and manifest go to a temporary folder, which is then
     * renamed to {@code NAME/VERSION}. Fails if the version exists.
     *
     * @return the version's folder
     */
    public Path publish(ModelManifest manifest, ParameterWriter parameters) {
        Path target = versionDir(manifest.name(), manifest.version());
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            if (Files.exists(target)) {
                throw new ModelException("model '" + manifest.name() + "' already has version '"
                        + manifest.version() + "'");
            }
            tmp = Files.createTempDirectory(target.getParent(), ".publish-" + manifest.version() + "-");
            readableByAll(tmp, "rwxr-xr-x");
            parameters.writeTo(tmp);
            json.writeValue(tmp.resolve(ModelManifest.FILE).toFile(), manifest);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            return target;
        } catch (IOException e) {
            throw new ModelException("cannot publish " + manifest.name() + "@" + manifest.version() + ": "
                    + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    /** Makes {@code version} the serving version of {@code name}, replacing the pointer atomically. */
    public void setServing(String name, String version) {
        manifest(name, version); // must exist
        Path dir = root.resolve(name);
        try {
            AtomicFiles.replace(dir.resolve(POINTER), tmp -> {
                Files.writeString(tmp, version + "\n");
                readableByAll(tmp, "rw-r--r--");
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Serialises a manifest as JSON text. */
    public String toJson(ModelManifest manifest) {
        try {
            return json.writeValueAsString(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Temporary files and folders are private; published ones are readable like any other file. */
    private static void readableByAll(Path path, String permissions) throws IOException {
        if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString(permissions));
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover hidden temp folder is never read as a version
        }
    }
}
