/**
 * Configuration: the YAML file that declares tasks, layered as defaults &lt; file &lt; environment
 * ({@code STREAMTUNE_...}) &lt; command-line flags. Every setting is declared once in
 * {@link io.streamtune.common.config.Setting} form with its type, default, validation and doc,
 * and the whole file is validated at start with messages that name the key.
 */
package io.streamtune.common.config;
