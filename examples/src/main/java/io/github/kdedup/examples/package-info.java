/**
 * kdedup's showcase: the demo command line ({@link io.github.kdedup.examples.Demo}), sample consumers
 * and the duplicate audit.
 */
@NullMarked
package io.github.kdedup.examples;

import org.jspecify.annotations.NullMarked;
