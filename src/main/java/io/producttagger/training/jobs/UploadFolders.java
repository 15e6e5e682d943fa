package io.producttagger.training.jobs;

import io.producttagger.training.data.DataRoot;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folders uploaded data sets are unpacked into, {@code DATA_ROOT/uploads/ID}, and their removal once the job
 * that owns one has ended.
 *
 * <p>Removal never leaves {@code DATA_ROOT/uploads}: an id must be a plain name (letters, digits, {@code -},
 * {@code _}), the uploads folder is opened from the data root without following a link, and the tree is
 * deleted relative to open directories without following links, so a link inside an upload (or one swapped in
 * while deleting) is removed itself, never what it points to.
 */
public final class UploadFolders {

    /** The folder under the data root that holds one folder per upload. */
    public static final String FOLDER = "uploads";

    private static final Logger LOG = LoggerFactory.getLogger(UploadFolders.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");

    private final Path dataRoot;
    private final Path root;
    private final boolean keep;

    /**
     * Creates the uploads folder manager; nothing is created on disk until an upload arrives.
     *
     * @param dataRoot the data root uploads live under
     * @param keep whether an upload stays after its job ends ({@code finetune.keep-uploads})
     */
    public UploadFolders(DataRoot dataRoot, boolean keep) {
        this.dataRoot = dataRoot.root();
        this.root = this.dataRoot.resolve(FOLDER);
        this.keep = keep;
    }

    /** Returns {@code DATA_ROOT/uploads}. */
    public Path root() {
        return root;
    }

    /** Returns whether uploads stay after their jobs end. */
    public boolean keep() {
        return keep;
    }

    /** Returns a new upload id; its folder does not exist yet. */
    public String newId() {
        return UUID.randomUUID().toString();
    }

    /**
     * Returns the folder of an upload id.
     *
     * @throws IllegalArgumentException when the id is not a plain name
     */
    public Path folder(String id) {
        if (!isId(id)) {
            throw new IllegalArgumentException("'" + id + "' is not an upload id");
        }
        return root.resolve(id);
    }

    /** Returns whether {@code id} could name an upload folder (a plain name that cannot leave the uploads folder). */
    public static boolean isId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /**
     * Deletes an upload's folder and everything in it, whatever {@link #keep()} says; an id that is not a plain
     * name, or an uploads folder that is a link, deletes nothing. Failures are logged, not thrown: a leftover
     * folder is removed on the next start.
     *
     * @return whether the folder existed and is gone
     */
    public boolean delete(String id) {
        if (!isId(id)) {
            LOG.warn("not deleting upload '{}': not an upload id", id);
            return false;
        }
        try (DirectoryStream<Path> data = Files.newDirectoryStream(dataRoot)) {
            if (data instanceof SecureDirectoryStream<Path> secureData) {
                try (SecureDirectoryStream<Path> uploads = secureData.newDirectoryStream(Path.of(FOLDER),
                        LinkOption.NOFOLLOW_LINKS)) {
                    Path name = Path.of(id);
                    if (!exists(uploads, name)) {
                        return false;
                    }
                    deleteTree(uploads, name);
                }
            } else {
                return deleteByWalking(id);
            }
            LOG.info("deleted uploaded data set {}", root.resolve(id));
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            // ELOOP when DATA_ROOT/uploads is a link: refused, like any other failure
            LOG.warn("could not delete uploaded data set {}: {}", root.resolve(id), e.toString());
            return false;
        }
    }

    private static boolean exists(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        try {
            attributes(dir, name);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private static BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        return dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .readAttributes();
    }

    /** Deletes {@code name} inside {@code dir}: a folder with its contents, anything else (links too) by unlinking. */
    private static void deleteTree(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        if (attributes(dir, name).isDirectory()) {
            // NOFOLLOW_LINKS: if a link replaced the folder since the check, opening fails instead of following it
            try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                List<Path> entries = new ArrayList<>();
                child.forEach(p -> entries.add(p.getFileName()));
                for (Path entry : entries) {
                    deleteTree(child, entry);
                }
            }
            dir.deleteDirectory(name);
        } else {
            dir.deleteFile(name);
        }
    }

    /**
     * Where the file system offers no secure directory streams: checks that neither the uploads folder nor the
     * upload is a link and that the real path stays under the data root, then walks without following links.
     */
    private boolean deleteByWalking(String id) throws IOException {
        Path folder = root.resolve(id);
        if (!Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        if (Files.isSymbolicLink(root) || Files.isSymbolicLink(folder)
                || !folder.toRealPath().getParent().equals(dataRoot.toRealPath().resolve(FOLDER))) {
            LOG.warn("not deleting upload {}: it or the uploads folder is a link", folder);
            return false;
        }
        Files.walkFileTree(folder, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
        LOG.info("deleted uploaded data set {}", folder);
        return true;
    }
}
