package io.github.kdedup.spring.boot;

import io.github.kdedup.spring.kafka.ContainerDedup;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.kafka.config.AbstractKafkaListenerContainerFactory;

/**
 * Applies the {@link ContainerDedup} to each listener container factory bean once it is initialised
 * (Boot's {@code kafkaListenerContainerFactory} and the application's own), so that every container
 * they create drops duplicates: their record and batch interceptors, rebalance listener and
 * consumer factory are completed, never replaced. With {@code kdedup.spring.container-factories} set,
 * only the factories it names. Thread-safe.
 */
public final class ContainerFactoryPostProcessor implements BeanPostProcessor {

    private final ObjectProvider<ContainerDedup> dedup;
    private final ObjectProvider<KdedupSettings> settings;

    ContainerFactoryPostProcessor(ObjectProvider<ContainerDedup> dedup, ObjectProvider<KdedupSettings> settings) {
        this.dedup = dedup;
        this.settings = settings;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof AbstractKafkaListenerContainerFactory<?, ?, ?> factory) {
            List<String> names = settings.getObject().containerFactories();
            if (names.isEmpty() || names.contains(beanName)) {
                dedup.getObject().applyTo(factory);
            }
        }
        return bean;
    }
}
