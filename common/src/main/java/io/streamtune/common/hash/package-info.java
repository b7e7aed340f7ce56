/** Hashing shared by every module: {@link io.streamtune.common.hash.Sha256}. */
package io.streamtune.common.hash;
