/**
 * Vector indexes for similar-product search: Apache Lucene HNSW indexes of catalog embeddings under
 * {@code index.dir}, one folder per index, each recording the model version whose embeddings it holds.
 */
package io.producttagger.index;
