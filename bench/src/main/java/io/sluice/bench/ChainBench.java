package io.sluice.bench;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** Runs {@link FilterChainBenchmark} under JMH in a forked JVM and returns its score. */
final class ChainBench {

    private ChainBench() {
    }

    /**
     * The chain's cost.
     *
     * @return nanoseconds per message, with JMH's 99.9 % error
     */
    static Score run() throws RunnerException {
        Options options = new OptionsBuilder()
                .include(Pattern.quote(FilterChainBenchmark.class.getName()) + ".*")
                .forks(1)
                .warmupIterations(5)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(8)
                .measurementTime(TimeValue.seconds(1))
                .timeUnit(TimeUnit.NANOSECONDS)
                .jvmArgsAppend("-Xms512m", "-Xmx512m")
                .shouldFailOnError(true)
                .build();
        // JMH's own report goes to standard error with the rest of the progress
        Collection<RunResult> results = new Runner(options,
                OutputFormatFactory.createFormatInstance(System.err, VerboseMode.NORMAL)).run();
        RunResult result = results.iterator().next();
        return new Score(result.getPrimaryResult().getScore(), result.getPrimaryResult().getScoreError(),
                result.getParams().getJvm() + " " + String.join(" ", result.getParams().getJvmArgs()));
    }

    /**
     * @param nanosPerMessage the mean cost per message
     * @param error           JMH's 99.9 % confidence half-width
     * @param jvm             the forked JVM and its arguments
     */
    record Score(double nanosPerMessage, double error, String jvm) {
    }
}
