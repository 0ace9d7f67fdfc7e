/**
 * The console's protocol and its runtime side: the topics ({@link io.sluice.web.console.ConsoleTopics}, created by
 * {@code sluice-web.jar install}), the versioned reports a {@link io.sluice.web.console.SluiceReporter} sends,
 * the history the console keeps ({@link io.sluice.web.console.History}), and signed operator commands
 * ({@link io.sluice.web.console.CommandSigner}, {@link io.sluice.web.console.CommandGate}). See
 * docs/architecture.md, "The console".
 */
package io.sluice.web.console;
