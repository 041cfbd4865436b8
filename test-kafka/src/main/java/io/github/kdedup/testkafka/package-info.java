/** The in-JVM Kafka broker that the Kafka tests of kdedup's modules share (tests only). */
package io.github.kdedup.testkafka;
