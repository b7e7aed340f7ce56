/**
 * The fault suite behind {@code streamtune bench faults}: components as child JVMs started through the
 * {@code streamtune} command and killed with SIGKILL ({@link io.streamtune.cli.faults.Supervisor},
 * {@link io.streamtune.cli.faults.ChildProcess}), their {@code /health} polled
 * ({@link io.streamtune.cli.faults.HealthProbe}), a steady feed ({@link io.streamtune.cli.faults.SteadyFeed}),
 * a read_committed reader and the accounting of every event ({@link io.streamtune.cli.faults.LedgerReader},
 * {@link io.streamtune.cli.faults.DeliveryLedger}), the injected records
 * ({@link io.streamtune.cli.faults.Injections}) and the steps ({@link io.streamtune.cli.faults.FaultScenario}).
 */
package io.streamtune.cli.faults;
