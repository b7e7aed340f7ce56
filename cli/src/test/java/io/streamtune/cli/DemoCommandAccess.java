package io.streamtune.cli;

import io.streamtune.cli.demo.DemoRun;

/** Lets tests in other packages start the services exactly as {@code streamtune demo} does. */
public final class DemoCommandAccess {
    private DemoCommandAccess() {}

    public static DemoRun.Services services() {
        return DemoCommand::startServices;
    }
}
