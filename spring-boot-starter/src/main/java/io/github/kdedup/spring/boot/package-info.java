/** Spring Boot auto-configuration of kdedup from {@code kdedup.*} properties. */
@NullMarked
package io.github.kdedup.spring.boot;

import org.jspecify.annotations.NullMarked;
