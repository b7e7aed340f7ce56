/**
 * The demo: a synthetic feed of labelled finance headlines and product reviews (written for
 * streamtune, three labels each, with some malformed records so the dead-letter path shows), or
 * the replay of a labelled JSONL file, plus the one-command run that wires broker, trainer,
 * scorer and feed together.
 */
package io.streamtune.cli.demo;
