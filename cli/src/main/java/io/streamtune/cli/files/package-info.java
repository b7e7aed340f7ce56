/** Readers of the files users hand to commands: labelled JSONL for {@code evaluate} and the demo's replay. */
package io.streamtune.cli.files;
