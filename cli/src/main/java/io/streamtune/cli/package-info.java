/**
 * The {@code streamtune} command line: one picocli command per subcommand, wired in
 * {@link io.streamtune.cli.StreamtuneCommand}. Commands only parse flags, call the services and
 * libraries, and print; the logic lives in the modules they call.
 */
package io.streamtune.cli;
