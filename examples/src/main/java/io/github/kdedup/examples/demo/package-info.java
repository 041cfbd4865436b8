/** The demo: a consumer group that sees republished and redelivered events, with and without kdedup. */
@NullMarked
package io.github.kdedup.examples.demo;

import org.jspecify.annotations.NullMarked;
