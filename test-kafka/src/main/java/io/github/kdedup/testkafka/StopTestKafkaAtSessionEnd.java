package io.github.kdedup.testkafka;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Stops {@link TestKafka}'s broker when the JUnit session ends, while the JVM is still whole. This
 * module registers it in {@code META-INF/services}, so every test class path that has the module has
 * the listener; it does nothing in a JVM that never started the broker.
 */
public final class StopTestKafkaAtSessionEnd implements LauncherSessionListener {

    /** Created by the JUnit Platform through {@link java.util.ServiceLoader}. */
    public StopTestKafkaAtSessionEnd() {}

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        TestKafka.stop();
    }
}
