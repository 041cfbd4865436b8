/** A Kafka Streams application that forwards each event once with kdedup's {@code processValues} step. */
@NullMarked
package io.github.kdedup.examples.streams;

import org.jspecify.annotations.NullMarked;
