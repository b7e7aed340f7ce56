/** How commands print records for people: one readable line per alert ({@code tail alerts}, the demo). */
package io.streamtune.cli.text;
