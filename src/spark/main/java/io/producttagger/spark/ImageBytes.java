package io.producttagger.spark;

import io.producttagger.catalog.CatalogException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.AccessControlException;

/**
 * Reads an image's bytes through Hadoop's file systems (local, {@code hdfs://}, {@code s3a://}, ...), turning a
 * file's problems into that image's failure with the messages {@code tag} gives for local files.
 */
final class ImageBytes {

    private final Configuration conf;
    private final long maxBytes;

    /**
     * Creates a reader.
     *
     * @param conf the job's Hadoop settings
     * @param maxBytes largest file read
     */
    ImageBytes(Configuration conf, long maxBytes) {
        this.conf = conf;
        this.maxBytes = maxBytes;
    }

    /**
     * Reads one file whole.
     *
     * @throws CatalogException.ImageFailed when it is missing, unreadable or too large
     */
    byte[] read(String file) {
        try {
            Path path = new Path(file);
            FileSystem fs = path.getFileSystem(conf);
            if (fs instanceof LocalFileSystem local) {
                fs = local.getRaw(); // no checksum files to look for next to every image
            }
            FileStatus status = fs.getFileStatus(path);
            if (status.getLen() > maxBytes) {
                throw new CatalogException.ImageFailed("file is " + status.getLen() + " bytes; the limit is " + maxBytes
                        + " (server.max-body-bytes, TAGGER_SERVER_MAX_BODY_BYTES)");
            }
            byte[] bytes = new byte[(int) status.getLen()];
            try (InputStream in = fs.open(path)) {
                int n = in.readNBytes(bytes, 0, bytes.length);
                if (n < bytes.length) {
                    throw new CatalogException.ImageFailed("cannot read " + file + ": it shrank while being read");
                }
            }
            return bytes;
        } catch (FileNotFoundException e) {
            throw new CatalogException.ImageFailed("file not found: " + file);
        } catch (AccessControlException e) {
            throw new CatalogException.ImageFailed("permission denied: " + file);
        } catch (IOException | IllegalArgumentException e) {
            throw new CatalogException.ImageFailed("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
