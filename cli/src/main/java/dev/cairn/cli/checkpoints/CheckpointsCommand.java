package dev.cairn.cli.checkpoints;

import dev.cairn.cli.ExitCode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code cairn checkpoints}: the group of the inspecting commands. Alone, it prints its usage. */
@Command(name = "checkpoints",
        mixinStandardHelpOptions = true,
        versionProvider = dev.cairn.cli.Cairn.VersionProvider.class,
        exitCodeListHeading = ExitCode.HELP_HEADING,
        exitCodeList = {ExitCode.HELP_0, ExitCode.HELP_1, ExitCode.HELP_2, ExitCode.HELP_3, ExitCode.HELP_4},
        description = "List, show and verify the checkpoints of a job, read-only.",
        subcommands = {ListCommand.class, ShowCommand.class, VerifyCommand.class})
public final class CheckpointsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }
}
