package io.github.kdedup.kafka;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/** Stops the shared in-JVM broker when the JUnit session ends, while the JVM is still whole. */
public final class StopKafkaAtSessionEnd implements LauncherSessionListener {

    /** Created by the JUnit Platform through {@link java.util.ServiceLoader}. */
    public StopKafkaAtSessionEnd() {}

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        EmbeddedKafka.stop();
    }
}
