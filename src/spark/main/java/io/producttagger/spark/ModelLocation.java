package io.producttagger.spark;

import io.producttagger.model.ModelStore;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;

/**
 * Where the job's model is, as the driver resolved it: a model zoo, the model's name and the exact version
 * (resolved once on the driver, so every executor tags with the same version even if another is promoted
 * meanwhile).
 *
 * <p>The zoo is a local folder every executor can read (a shared mount, or {@code --archives zoo.tgz#model-zoo}
 * with a relative path, resolved in each executor's working directory), or a Hadoop URI ({@code hdfs://},
 * {@code s3a://}): then the model's folder is copied to local disk once per JVM, because MXNet loads parameters
 * from local files.
 *
 * @param zoo the model zoo: a local path or a Hadoop URI
 * @param name the model
 * @param version the version every task uses
 * @param localCopies where a JVM copies a remote model's folder
 */
record ModelLocation(String zoo, String name, String version, String localCopies) implements Serializable {

    /** Returns {@code name@version}. */
    String id() {
        return name + "@" + version;
    }

    /** Returns whether the zoo is on a Hadoop file system ({@code scheme://...}) rather than a local path. */
    boolean remote() {
        return zoo.matches("^[a-zA-Z][a-zA-Z0-9+.-]+://.*") && !zoo.startsWith("file:");
    }

    /**
     * Returns a store over a local copy of the zoo's folder for this model: the zoo itself when it is local,
     * else a copy of {@code ZOO/NAME} made by this call (callers hold one per JVM).
     *
     * @param hadoopConf the job's Hadoop settings (credentials for {@code s3a://} and the like)
     */
    ModelStore localStore(Map<String, String> hadoopConf) {
        if (!remote()) {
            return new ModelStore(zoo.startsWith("file:") ? Path.of(URI.create(zoo)) : Path.of(zoo));
        }
        try {
            Path local = Files.createDirectories(Path.of(localCopies)).resolve("zoo-" + Integer.toHexString(
                    zoo.hashCode()) + "-" + System.nanoTime());
            Configuration conf = new Configuration(false);
            hadoopConf.forEach(conf::set);
            org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(zoo, name);
            FileSystem fs = src.getFileSystem(conf);
            if (!fs.exists(src)) {
                throw new io.producttagger.model.ModelException.UnknownModel("no model named '" + name + "' in " + zoo);
            }
            FileUtil.copy(fs, src, local.resolve(name).toFile(), false, conf);
            return new ModelStore(local);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy model " + name + " from " + zoo + ": " + e.getMessage(), e);
        }
    }
}
