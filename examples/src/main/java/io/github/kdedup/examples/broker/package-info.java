/** Apache Kafka's own KRaft server in this JVM, for the demo and the examples' tests. */
@NullMarked
package io.github.kdedup.examples.broker;

import org.jspecify.annotations.NullMarked;
