package io.producttagger.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.to_json;

import io.producttagger.catalog.CatalogException;
import io.producttagger.catalog.ResultWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The job's output: the CLI's columns ({@code id}, {@code path}, the labels, {@code model}, {@code version},
 * {@code error}, then the manifest's other columns, renamed as {@link ResultWriter#outputName} renames them) as
 * Parquet (default), JSONL or CSV, written through Spark's commit protocol: the result appears when the job
 * commits (with its {@code _SUCCESS} marker), never half-written.
 *
 * <p>Parquet and JSONL hold the labels as an array of {@code {label, score}}, like the CLI's JSONL; CSV flattens
 * them into {@code label_1, score_1, ...} like the CLI's CSV.
 */
final class JobOutput {

    /** The output formats. */
    enum Format {
        /** Apache Parquet (the default). */
        PARQUET,
        /** One JSON object per line. */
        JSONL,
        /** Comma-separated values with a header row. */
        CSV;

        /**
         * Parses a format name.
         *
         * @throws CatalogException.InvalidArgument for an unknown name
         */
        static Format named(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "parquet" -> PARQUET;
                case "jsonl", "ndjson", "json" -> JSONL;
                case "csv" -> CSV;
                default -> throw new CatalogException.InvalidArgument("unknown output format '" + name
                        + "'; use parquet, jsonl or csv");
            };
        }
    }

    private JobOutput() {}

    /**
     * The schema of the tagged rows, before a format shapes them: what {@link PartitionTagger} returns.
     *
     * @param embeddings whether an {@code embedding} column (array of floats, null for a failed image) follows
     *     {@code error}
     */
    static StructType schema(List<StructField> extras, boolean embeddings) {
        StructType label = DataTypes.createStructType(List.of(
                DataTypes.createStructField("label", DataTypes.StringType, false),
                DataTypes.createStructField("score", DataTypes.DoubleType, false)));
        List<StructField> fields = new ArrayList<>(List.of(
                DataTypes.createStructField("id", DataTypes.StringType, false),
                DataTypes.createStructField("path", DataTypes.StringType, false),
                DataTypes.createStructField("labels", DataTypes.createArrayType(label, false), false),
                DataTypes.createStructField("model", DataTypes.StringType, false),
                DataTypes.createStructField("version", DataTypes.StringType, false),
                DataTypes.createStructField("error", DataTypes.StringType, true)));
        if (embeddings) {
            fields.add(DataTypes.createStructField("embedding", DataTypes.createArrayType(DataTypes.FloatType,
                    false), true));
        }
        for (StructField f : extras) {
            fields.add(DataTypes.createStructField(ResultWriter.outputName(f.name()), f.dataType(), true));
        }
        return DataTypes.createStructType(fields);
    }

    /**
     * Refuses an existing output unless it is to be overwritten; checked before the job reads anything.
     *
     * @throws CatalogException.InvalidArgument when the output exists and {@code overwrite} is false
     */
    static void check(SparkSession spark, String output, boolean overwrite) {
        Path path = new Path(output);
        try {
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!overwrite && fs.exists(path)) {
                throw new CatalogException.InvalidArgument("output " + output + " already exists; pass --overwrite "
                        + "to replace it, or choose another path");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check output " + output + ": " + e.getMessage(), e);
        }
    }

    /** Writes the tagged rows; runs the job. */
    static void write(Dataset<Row> tagged, Format format, int topK, String output, boolean overwrite) {
        SaveMode mode = overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists;
        switch (format) {
            case PARQUET -> tagged.write().mode(mode).parquet(output);
            case JSONL -> tagged.write().mode(mode).json(output);
            case CSV -> flat(tagged, topK).write().mode(mode).option("header", "true").csv(output);
            default -> throw new IllegalStateException(format.name());
        }
    }

    /**
     * The CLI's CSV columns: labels as {@code label_N, score_N} pairs, nested values (an embedding, manifest
     * columns) as JSON text.
     */
    private static Dataset<Row> flat(Dataset<Row> tagged, int topK) {
        List<Column> cols = new ArrayList<>(List.of(col("id"), col("path")));
        for (int i = 0; i < topK; i++) {
            cols.add(col("labels").getItem(i).getField("label").as("label_" + (i + 1)));
            cols.add(col("labels").getItem(i).getField("score").as("score_" + (i + 1)));
        }
        cols.addAll(List.of(col("model"), col("version"), col("error")));
        StructType schema = tagged.schema();
        for (int i = 6; i < schema.fields().length; i++) {
            StructField f = schema.fields()[i];
            Column c = col("`" + f.name() + "`");
            boolean nested = f.dataType() instanceof StructType || f.dataType() instanceof ArrayType
                    || f.dataType() instanceof MapType;
            cols.add(nested ? to_json(c).as(f.name()) : c);
        }
        return tagged.select(cols.toArray(Column[]::new));
    }
}
