package io.streamtune.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "About the configuration file.",
        subcommands = ConfigCommand.Docs.class)
final class ConfigCommand {

    @Command(
            name = "docs",
            mixinStandardHelpOptions = true,
            description = {
                "Every setting of the configuration file with its type, default, valid values and meaning,",
                "and the environment variables."
            })
    static final class Docs implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.print(SettingsCatalog.docs());
            return 0;
        }
    }
}
