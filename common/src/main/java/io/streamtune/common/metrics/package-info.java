/** Metrics and health over HTTP: a Prometheus scrape endpoint and a JSON health document, on the JDK's HttpServer. */
package io.streamtune.common.metrics;
