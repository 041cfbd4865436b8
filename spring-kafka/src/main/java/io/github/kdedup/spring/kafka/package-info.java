/** Spring Kafka listener containers that drop duplicate events: one store call per poll. */
@NullMarked
package io.github.kdedup.spring.kafka;

import org.jspecify.annotations.NullMarked;
