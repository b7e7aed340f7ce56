/**
 * The demo: a synthetic feed of labelled finance headlines and product reviews (written for
 * streamtune, three labels each, with some malformed records so the dead-letter path shows), or
 * the replay of a labelled JSONL file, plus the one-command run that wires broker, trainer,
 * scorer, monitor and feed together. The finance feed names a company per record, scripts a
 * bearish surge on one of them and sends some labels late, so the monitor has something to find.
 */
package io.streamtune.cli.demo;
