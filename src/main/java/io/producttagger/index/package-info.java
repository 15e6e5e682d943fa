/**
 * Vector indexes for similar-product search: Apache Lucene HNSW indexes of catalog embeddings under
 * {@code index.dir}, one folder per index, each recording the model version whose embeddings it holds; their
 * builds (from the command line or as background jobs of the admin API), duplicate grouping, and the measurement
 * of both on a labelled near-duplicate set.
 */
package io.producttagger.index;
