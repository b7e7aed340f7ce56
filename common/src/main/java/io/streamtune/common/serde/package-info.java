/** JSON (de)serialisation shared by every record type and by the Kafka serdes. */
package io.streamtune.common.serde;
