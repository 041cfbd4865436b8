/**
 * JMH benchmarks of kdedup: {@link io.github.kdedup.benchmarks.ClaimBenchmark} (claim and claim +
 * complete of every store behind the SPI, next to its raw backend and the peers users pick instead,
 * all listed in {@link io.github.kdedup.benchmarks.Target}), {@link
 * io.github.kdedup.benchmarks.ConsumeBenchmark} (records per second through a consumer with and
 * without kdedup) and {@link io.github.kdedup.benchmarks.Summary} (a short profile of both, with
 * ratios and a chart). Benchmark state is confined to one JMH thread unless a type says otherwise;
 * no parameter or return value is {@code null} unless marked.
 */
@NullMarked
package io.github.kdedup.benchmarks;

import org.jspecify.annotations.NullMarked;
