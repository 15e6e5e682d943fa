/**
 * Data sets and archives: Fashion-MNIST IDX files, folders with one sub-folder per label and CSV manifests (read
 * through the serving {@code vision} pipeline), uploaded {@code .zip}/{@code .tar.gz} archives unpacked safely,
 * the data root client paths resolve under, and the generator of photo-like test sets. Nothing here trains; it
 * depends on no other training subpackage.
 */
package io.producttagger.training.data;
