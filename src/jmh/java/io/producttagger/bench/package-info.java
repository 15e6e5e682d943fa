/**
 * JMH benchmarks of the vision pipeline (reduced versus full decoding), run by {@code scripts/bench-vision}; not
 * part of the service's jar.
 */
package io.producttagger.bench;
