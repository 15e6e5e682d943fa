package io.producttagger.training;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Unpacks an uploaded {@code .zip} of label folders into a fresh folder, refusing anything that could write
 * outside it or exhaust the disk: absolute names, {@code ..}, drive letters, too many entries, too many bytes
 * once inflated. Symbolic links cannot come out of it: entries are always written as regular files.
 *
 * @param maxFiles most entries accepted
 * @param maxBytes most bytes accepted once uncompressed (guards against zip bombs)
 */
public record DatasetArchive(int maxFiles, long maxBytes) {

    /** Validates the limits. */
    public DatasetArchive {
        if (maxFiles < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("archive limits must be positive");
        }
    }

    /**
     * Unpacks {@code zip} into {@code target} (which must not exist). On any refusal nothing is left behind.
     *
     * @return {@code target}, or the single top-level folder inside it when the archive wraps its label
     *     folders in one
     * @throws TrainingException.Invalid when the archive is unreadable or unsafe, naming the entry
     */
    public Path unpack(byte[] zip, Path target) {
        try {
            Files.createDirectories(target.getParent());
            Files.createDirectory(target);
        } catch (IOException e) {
            throw new TrainingException("cannot create the upload folder " + target + ": " + e.getMessage(), e);
        }
        Path root = target.toAbsolutePath().normalize();
        boolean ok = false;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            int files = 0;
            long bytes = 0;
            boolean any = false;
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                any = true;
                if (++files > maxFiles) {
                    throw new TrainingException.Invalid("the archive has more than " + maxFiles + " entries "
                            + "(finetune.max-upload-files)");
                }
                Path dest = safe(root, e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(dest);
                    continue;
                }
                Files.createDirectories(dest.getParent());
                bytes += copy(in, dest, maxBytes - bytes);
            }
            if (!any) {
                throw new TrainingException.Invalid("the upload is not a zip archive of label folders, or it is empty");
            }
            ok = true;
            try (Stream<Path> top = Files.list(root)) {
                var entries = top.filter(p -> !p.getFileName().toString().startsWith(".")
                        && !p.getFileName().toString().equals("__MACOSX")).toList();
                if (entries.size() == 1 && Files.isDirectory(entries.get(0))) {
                    try (Stream<Path> inner = Files.list(entries.get(0))) {
                        if (inner.anyMatch(Files::isDirectory)) {
                            return entries.get(0);
                        }
                    }
                }
            }
            return root;
        } catch (ZipException e) {
            throw new TrainingException.Invalid("the archive cannot be read as a zip file: " + e.getMessage());
        } catch (IOException e) {
            throw new TrainingException.Invalid("the archive cannot be unpacked: " + e.getMessage());
        } finally {
            if (!ok) {
                deleteTree(root);
            }
        }
    }

    /** Resolves an entry name inside the root, refusing names that would leave it. */
    private static Path safe(Path root, String name) {
        if (name.isEmpty() || name.startsWith("/") || name.startsWith("\\") || name.contains("\\")
                || (name.length() > 1 && name.charAt(1) == ':') || name.indexOf('\0') >= 0) {
            throw new TrainingException.Invalid("the archive entry '" + name + "' has an absolute or unsafe name");
        }
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw new TrainingException.Invalid("the archive entry '" + name + "' contains '..' (zip slip)");
            }
        }
        Path dest = root.resolve(name).normalize();
        if (!dest.startsWith(root) || dest.equals(root)) {
            throw new TrainingException.Invalid("the archive entry '" + name + "' leaves the upload folder");
        }
        return dest;
    }

    private long copy(InputStream in, Path dest, long budget) throws IOException {
        long n = 0;
        byte[] buf = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(dest, java.nio.file.StandardOpenOption.CREATE_NEW)) {
            for (int r = in.read(buf); r > 0; r = in.read(buf)) {
                n += r;
                if (n > budget) {
                    throw new TrainingException.Invalid("the archive holds more than " + maxBytes + " bytes "
                            + "uncompressed (finetune.max-upload-bytes x 4)");
                }
                out.write(buf, 0, r);
            }
        }
        return n;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
