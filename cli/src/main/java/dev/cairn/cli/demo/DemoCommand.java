package dev.cairn.cli.demo;

import dev.cairn.cli.ExitCode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code cairn demo}: example jobs that run on an embedded Kafka broker, with nothing to install. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run an example job on an embedded Kafka broker (or an external cluster).",
        subcommands = {BankDemo.class, WordCountDemo.class},
        exitCodeListHeading = ExitCode.HELP_HEADING,
        exitCodeList = {ExitCode.HELP_0, ExitCode.HELP_1, ExitCode.HELP_2, ExitCode.HELP_3, ExitCode.HELP_4})
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }
}
