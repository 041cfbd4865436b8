/** The duplicate audit: which keys appear at more than one offset of a topic, and why. */
@NullMarked
package io.github.kdedup.examples.audit;

import org.jspecify.annotations.NullMarked;
