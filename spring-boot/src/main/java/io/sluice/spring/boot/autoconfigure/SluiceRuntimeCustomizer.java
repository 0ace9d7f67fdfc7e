package io.sluice.spring.boot.autoconfigure;

import io.sluice.runtime.SluiceRuntime;

/**
 * Called for every runtime {@link SluiceRuntimes} creates, after creation and before it starts: the place to add
 * event listeners, bind metrics or attach a dashboard. A runtime is created anew each time the lifecycle starts,
 * so a customizer may see several runtimes for one Topology bean over the context's life. Beans of this type are
 * applied in their {@code @Order}.
 */
@FunctionalInterface
public interface SluiceRuntimeCustomizer {

    /**
     * Customizes a runtime that is not started yet.
     *
     * @param topologyBeanName the name of the Topology bean the runtime runs
     * @param runtime          the runtime, not started
     */
    void customize(String topologyBeanName, SluiceRuntime runtime);
}
