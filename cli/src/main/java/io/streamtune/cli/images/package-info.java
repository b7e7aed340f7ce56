/**
 * Image data for the command line: readers of an ImageFolder directory (one sub-folder per label)
 * and of IDX files (the MNIST and Fashion-MNIST format), the image path of {@code evaluate}, and
 * the records {@code produce --images} sends.
 */
package io.streamtune.cli.images;
