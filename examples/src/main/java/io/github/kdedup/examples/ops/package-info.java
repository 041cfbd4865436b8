/**
 * Commands for the people who run kdedup: {@code inspect} (the live record of event keys) and
 * {@code check} (a store's health as deployed).
 */
@NullMarked
package io.github.kdedup.examples.ops;

import org.jspecify.annotations.NullMarked;
