package io.sluice.testing.proof;

import io.sluice.dsl.Topology;
import io.sluice.runtime.RuntimeSettings;

/**
 * Makes the topology under proof, in each member JVM of an {@link ExactlyOnceProof} run. Implement it in a public
 * class with a public no-argument constructor, and name that class to
 * {@link ExactlyOnceProof#forTopology(String)}: every member JVM (started with the test JVM's class path)
 * instantiates it and calls {@link #create} once, then runs the topology on a {@code SluiceRuntime} until it is
 * killed or stopped.
 *
 * <p>The topology must consume {@link ProofEnvironment#topic()} and write its effects to the database of
 * {@link ProofEnvironment#dataSource()}, so that the run's effects query sees them. It should be the topology your
 * service runs, with your own consumer code: what the run proves is what this topology does.
 */
public interface ProofTopology {

    /**
     * Builds the topology of one member. Called once per member JVM, before its runtime starts; an exception
     * ends the member, and the run fails, naming the member's log.
     *
     * @param environment the run's broker, topic, group, member and database, never {@code null}
     * @return the topology to run, never {@code null}
     * @throws Exception when it cannot be built
     */
    Topology create(ProofEnvironment environment) throws Exception;

    /**
     * The runtime settings the members run with: by default {@link RuntimeSettings#defaults()}; override it to
     * run your service's settings.
     *
     * @return the settings, never {@code null}
     */
    default RuntimeSettings settings() {
        return RuntimeSettings.defaults();
    }
}
