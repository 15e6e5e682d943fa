package io.producttagger.training.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What queued and running jobs read, and the uploads of ended jobs waiting until none of them reads inside one.
 *
 * <p>A job registers what it reads before anything checks or reads its data set, and lets go when it ends.
 * Registering and deleting exclude each other, so an upload is deleted only when no job reads in it, or is
 * about to: a submission either registers first (and the upload stays) or finds the upload already gone (and
 * is refused as a data set that does not exist).
 *
 * <p>A job reads the folder it names, or, for a manifest, the manifest's folder (its lines may name any file
 * under it), both by their real path: a manifest naming images in an upload, or a link to one, keeps the upload
 * as naming the upload itself does.
 */
final class UploadsInUse {

    private static final Logger LOG = LoggerFactory.getLogger(UploadsInUse.class);

    private final UploadFolders uploads;
    /** The real folder each queued or running job may read, by job id. */
    private final Map<String, Path> reading = new HashMap<>();
    /** Uploads whose jobs have ended, deleted once no job reads inside them. */
    private final Set<String> waiting = new LinkedHashSet<>();

    /** Tracks the uploads under {@code uploads}, which also says whether they are kept after their jobs. */
    UploadsInUse(UploadFolders uploads) {
        this.uploads = uploads;
    }

    /** Registers what {@code job} reads; until {@link #release} nothing in it is deleted. */
    synchronized void use(String job, Path dataset) {
        reading.put(job, readFolder(dataset));
    }

    /**
     * Lets go of what {@code job} read and deletes every upload waiting that no job reads any more.
     *
     * @param upload the job's own upload, which waits for deletion from now on (unless uploads are kept), or
     *     null when the job owned none (a data set named by path, or a submission refused before it took over
     *     its upload)
     */
    synchronized void release(String job, String upload) {
        reading.remove(job);
        if (upload != null && !uploads.keep()) {
            waiting.add(upload);
        }
        for (String id : List.copyOf(waiting)) {
            if (!UploadFolders.isId(id)) {
                LOG.warn("a fine-tune job names upload '{}', which is not an upload id; nothing deleted", id);
                waiting.remove(id);
                continue;
            }
            Path folder = uploads.folder(id).toAbsolutePath().normalize();
            Path real = realOrSelf(folder);
            if (reading.values().stream().noneMatch(r -> overlaps(r, real) || overlaps(r, folder))) {
                uploads.delete(id);
                waiting.remove(id);
            }
        }
    }

    private static boolean overlaps(Path a, Path b) {
        return a.startsWith(b) || b.startsWith(a);
    }

    /** The folder a data set's files lie in: the folder itself, or a manifest's folder; by its real path. */
    private static Path readFolder(Path dataset) {
        Path real = realOrSelf(dataset.toAbsolutePath().normalize());
        return Files.isRegularFile(real) ? real.getParent() : real;
    }

    /** The real path, or the path as given when it does not exist (a data set that fails validation). */
    private static Path realOrSelf(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }
}
