/**
 * The one typed configuration of the service (defaults, then a properties file, then {@code TAGGER_*}
 * environment variables, then command-line flags) and the offline bootstrap that must run before DJL
 * loads. Depends on the JDK only.
 */
package io.producttagger.config;
