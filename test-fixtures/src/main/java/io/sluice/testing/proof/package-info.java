/**
 * A proof kit for users' own topologies: {@link io.sluice.testing.proof.ExactlyOnceProof} runs a topology (made by
 * a {@link io.sluice.testing.proof.ProofTopology} class) in several member JVMs against a real broker and a database
 * of its own, applies {@link io.sluice.testing.proof.Fault faults} mid-stream, and counts by the user's own query
 * whether every message took effect exactly once ({@link io.sluice.testing.proof.ProofResult}).
 */
package io.sluice.testing.proof;
