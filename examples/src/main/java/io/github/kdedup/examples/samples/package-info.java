/** Small consumers that show each way into kdedup; each has a test against a real broker. */
@NullMarked
package io.github.kdedup.examples.samples;

import org.jspecify.annotations.NullMarked;
