package io.producttagger.training.data;

import io.producttagger.training.TrainingException;

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
 * Unpacks an uploaded {@code .zip} or {@code .tar.gz} of label folders into a fresh folder, refusing anything
 * that could write outside it or exhaust the disk: absolute names, {@code ..}, drive letters, links in a tar,
 * too many entries, too many bytes once inflated. Zip entries are always written as regular files.
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
     * Unpacks {@code zip} (a zip, a gzipped tar or a plain tar, told apart by their first bytes) into {@code target} (which must not exist). On any refusal nothing is left behind.
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
        try {
            Writer writer = new Writer(root);
            if (zip.length >= 2 && (zip[0] & 0xff) == 0x1f && (zip[1] & 0xff) == 0x8b) {
                readTar(new java.util.zip.GZIPInputStream(new ByteArrayInputStream(zip)), writer);
            } else if (isTar(zip)) {
                readTar(new ByteArrayInputStream(zip), writer);
            } else {
                try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
                    for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                        writer.entry(e.getName(), e.isDirectory(), in);
                    }
                }
            }
            if (writer.files == 0) {
                throw new TrainingException.Invalid("the upload is not a .zip or .tar.gz of label folders, or it is "
                        + "empty");
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
        } catch (TrainingException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // ZipInputStream's answer to an entry name that is not valid UTF-8 ("MALFORMED"), and what a few
            // corrupted bytes in a header can lead to: the client's archive is broken, not the server
            throw new TrainingException.Invalid("the archive is corrupt or has an entry name that is not valid "
                    + "UTF-8 (" + e.getMessage() + "); re-create it with UTF-8 names");
        } finally {
            if (!ok) {
                deleteTree(root);
            }
        }
    }

    /** Writes entries under the root, counting files and bytes against the limits. */
    private final class Writer {
        private final Path root;
        private int files;
        private long bytes;

        Writer(Path root) {
            this.root = root;
        }

        void entry(String name, boolean directory, InputStream content) throws IOException {
            if (++files > maxFiles) {
                throw new TrainingException.Invalid("the archive has more than " + maxFiles + " entries "
                        + "(finetune.max-upload-files)");
            }
            Path dest = safe(root, name);
            if (directory) {
                Files.createDirectories(dest);
                return;
            }
            Files.createDirectories(dest.getParent());
            bytes += copy(content, dest, maxBytes - bytes);
        }
    }

    private static boolean isTar(byte[] b) {
        return b.length >= 512 && new String(b, 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar");
    }

    /**
     * Reads a (ustar) tar stream: regular files and folders only; links, devices and GNU long names are refused,
     * since a link could point outside the upload folder.
     */
    private static void readTar(InputStream raw, Writer writer) throws IOException {
        try (InputStream in = new java.io.BufferedInputStream(raw)) {
            byte[] header = new byte[512];
            while (true) {
                if (in.readNBytes(header, 0, 512) < 512) {
                    throw new TrainingException.Invalid("the tar archive is truncated");
                }
                boolean empty = true;
                for (byte x : header) {
                    if (x != 0) {
                        empty = false;
                        break;
                    }
                }
                if (empty) {
                    return;
                }
                String name = text(header, 0, 100);
                String prefix = text(header, 345, 155);
                if (!prefix.isEmpty() && isTar(header)) {
                    name = prefix + "/" + name;
                }
                requireChecksum(header, name);
                long size;
                try {
                    size = Long.parseLong(text(header, 124, 12).trim(), 8);
                } catch (NumberFormatException e) {
                    throw new TrainingException.Invalid("the tar entry '" + name + "' has an unreadable size");
                }
                char type = (char) header[156];
                if (type == '2' || type == '1') {
                    throw new TrainingException.Invalid("the tar entry '" + name + "' is a link; links are refused");
                }
                if (type != '0' && type != '\0' && type != '5' && type != 'x' && type != 'g') {
                    throw new TrainingException.Invalid("the tar entry '" + name + "' has unsupported type '" + type
                            + "'; only files and folders are accepted");
                }
                if ((type == 'x' || type == 'g') && size > 1 << 20) {
                    throw new TrainingException.Invalid("the tar entry '" + name + "' has an oversized extended header");
                }
                InputStream body = new LimitedStream(in, size);
                if (type == '0' || type == '\0' || type == '5') {
                    writer.entry(name, type == '5' || name.endsWith("/"), body);
                }
                body.skip(Long.MAX_VALUE);
                long pad = (512 - size % 512) % 512;
                in.skipNBytes(pad);
            }
        }
    }

    /**
     * Checks a tar header's checksum (the sum of its bytes with the checksum field read as spaces), so a
     * corrupted header is refused instead of being read as some other entry.
     */
    private static void requireChecksum(byte[] header, String name) {
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += i >= 148 && i < 156 ? ' ' : header[i] & 0xff;
        }
        long stored;
        try {
            stored = Long.parseLong(text(header, 148, 8).trim(), 8);
        } catch (NumberFormatException e) {
            stored = -1;
        }
        if (stored != sum) {
            throw new TrainingException.Invalid("the tar entry '" + name + "' has a bad header checksum; the "
                    + "archive is corrupt");
        }
    }

    private static String text(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Exposes the next {@code size} bytes of a stream, never closing it. */
    private static final class LimitedStream extends InputStream {
        private final InputStream in;
        private long left;

        LimitedStream(InputStream in, long size) {
            this.in = in;
            this.left = size;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int r = in.read();
            if (r >= 0) {
                left--;
            }
            return r;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int r = in.read(b, off, (int) Math.min(len, left));
            if (r > 0) {
                left -= r;
            }
            return r;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = 0;
            byte[] buf = new byte[8192];
            while (left > 0 && skipped < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
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
        Path dest;
        try {
            dest = root.resolve(name).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            // e.g. a non-ASCII name when the JVM's file-name encoding is ASCII (LANG=C)
            throw new TrainingException.Invalid("the archive entry '" + name + "' cannot be a file name on this "
                    + "server (" + e.getReason() + "; its file names are " + System.getProperty("sun.jnu.encoding",
                    "?") + "); rename the entry, or run the server with a UTF-8 locale such as LANG=C.UTF-8");
        }
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
