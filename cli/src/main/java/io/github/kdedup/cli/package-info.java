/**
 * {@code kdedup}, the command line for the people who run kdedup: {@code inspect} (the live record
 * of event keys, through the store SPI) and {@code check} (a store's health as deployed, by talking
 * to Redis or the database directly). Run it as {@code java -jar cli/target/kdedup.jar}.
 */
@NullMarked
package io.github.kdedup.cli;

import org.jspecify.annotations.NullMarked;
