package io.producttagger.spark;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import io.producttagger.catalog.CatalogException;
import io.producttagger.catalog.CatalogSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;

/**
 * The job's input as rows of {@code id}, {@code path} (as the input names it), {@value #FILE} (what to read,
 * null when the row names no file) and the manifest's other columns, from a folder of images (walked
 * recursively) or a CSV, JSONL or Parquet manifest with a {@code path} column, on any Hadoop file system.
 *
 * <p>As with {@code tag}: a folder's images are picked by {@link CatalogSource#IMAGE_EXTENSIONS} (any case) and
 * their id is the path relative to the folder; a manifest's relative paths are relative to the manifest's folder,
 * a row without an {@code id} uses its path, and a row without a path becomes an error row, not a failed job.
 *
 * @param rows the rows
 * @param extras the manifest's other columns, in order (empty for a folder)
 * @param kind what the input was
 */
record JobInput(Dataset<Row> rows, List<StructField> extras, String kind) {

    /** The internal column naming the file to read; it is not written out. */
    static final String FILE = "_tagger_file";

    /**
     * Opens an input.
     *
     * @throws CatalogException.InvalidArgument when the input does not exist, is of an unknown kind, or is a
     *     manifest without a {@code path} column
     */
    static JobInput open(SparkSession spark, String input) {
        Path path = new Path(input);
        FileStatus status;
        Path qualified;
        try {
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(path)) {
                throw new CatalogException.InvalidArgument("input " + input + " does not exist; give a folder of "
                        + "images or a .csv/.jsonl/.parquet manifest");
            }
            status = fs.getFileStatus(path);
            qualified = fs.makeQualified(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read input " + input + ": " + e.getMessage(), e);
        }
        if (status.isDirectory() && !isParquetFolder(input)) {
            return folder(spark, qualified);
        }
        String ext = extension(input);
        Dataset<Row> manifest = switch (ext) {
            case "csv" -> spark.read().option("header", "true").option("mode", "FAILFAST").csv(input);
            case "jsonl", "ndjson", "json" -> spark.read().option("mode", "FAILFAST").json(input);
            case "parquet" -> spark.read().parquet(input);
            default -> throw new CatalogException.InvalidArgument("input " + input + " is neither a folder nor a "
                    + ".csv/.jsonl/.parquet manifest");
        };
        return manifest(manifest, qualified.getParent().toString(), input);
    }

    private static boolean isParquetFolder(String input) {
        return extension(input).equals("parquet");
    }

    /** Every image file under the folder; Spark lists it (binaryFile, without reading the bytes: only path is kept). */
    private static JobInput folder(SparkSession spark, Path root) {
        String prefix = root.toString().endsWith("/") ? root.toString() : root + "/";
        String images = String.join("|", new TreeSet<>(CatalogSource.IMAGE_EXTENSIONS));
        Dataset<Row> rows = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .load(root.toString())
                .select(col("path"))
                .where(lower(col("path")).rlike("\\.(" + images + ")$"))
                .select(
                        when(col("path").startsWith(prefix), col("path").substr(prefix.length() + 1, Integer.MAX_VALUE))
                                .otherwise(col("path")).as("id"),
                        col("path"),
                        col("path").as(FILE))
                // binaryFile plans a task per few dozen files as if it read them; only their paths are read here
                .coalesce(Math.max(1, spark.sparkContext().defaultParallelism()));
        return new JobInput(rows, List.of(), "folder");
    }

    private static JobInput manifest(Dataset<Row> manifest, String folder, String input) {
        List<String> columns = Arrays.asList(manifest.columns());
        if (!columns.contains("path")) {
            throw new CatalogException.InvalidArgument("manifest " + input + " needs a 'path' column (and optionally "
                    + "'id'); found " + columns);
        }
        Column path = col("path").cast("string");
        Column hasPath = path.isNotNull().and(length(trim(path)).gt(0));
        // absolute paths and URIs (s3a://..., file:/...) as they are; others relative to the manifest's folder
        Column file = when(hasPath.and(path.rlike("^(/|[a-zA-Z][a-zA-Z0-9+.-]*:)")), path)
                .when(hasPath, concat(lit(folder + "/"), path));
        Column id = columns.contains("id")
                ? coalesce(when(length(trim(col("id").cast("string"))).gt(0), col("id").cast("string")), path)
                : path;
        List<Column> select = new ArrayList<>(List.of(coalesce(id, lit("")).as("id"), coalesce(path, lit("")).as("path"),
                file.as(FILE)));
        List<StructField> extras = new ArrayList<>();
        for (StructField f : manifest.schema().fields()) {
            if (!f.name().equals("id") && !f.name().equals("path")) {
                select.add(col("`" + f.name() + "`"));
                extras.add(f);
            }
        }
        return new JobInput(manifest.select(select.toArray(Column[]::new)), List.copyOf(extras), "manifest");
    }

    static String extension(String name) {
        String base = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        int dot = base.lastIndexOf('.');
        int slash = base.lastIndexOf('/');
        return dot < 0 || dot < slash ? "" : base.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
