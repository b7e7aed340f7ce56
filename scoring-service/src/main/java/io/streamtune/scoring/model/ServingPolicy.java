package io.streamtune.scoring.model;

import java.util.OptionalLong;

/**
 * Which model version may serve: the one rule the registry and every partition follow, so a task
 * never goes back to an older version unless an operator pins it ({@code scoring.pin.<task>}).
 *
 * <ul>
 *   <li>The registry: an offered version replaces the one in service only when it is higher; with a
 *       pin, only the pinned version is served.</li>
 *   <li>A partition remembers the newest version it used (changelogged), and scores with the version in
 *       service only when that is at least as new, so not even a restart or a rebalance onto an instance
 *       with an older champion makes a partition go back; with a pin it follows the pin.</li>
 * </ul>
 */
public final class ServingPolicy {
    private ServingPolicy() {}

    /**
     * Whether {@code candidate} may replace {@code current} in the registry.
     *
     * @param current the version in service, or empty
     * @param pin the pinned version, or empty
     */
    public static boolean mayReplace(long candidate, OptionalLong current, OptionalLong pin) {
        if (pin.isPresent()) {
            return candidate == pin.getAsLong() && (current.isEmpty() || current.getAsLong() != candidate);
        }
        return current.isEmpty() || candidate > current.getAsLong();
    }

    /**
     * Whether a partition that last used {@code lastUsed} (0: none) may be scored by {@code candidate}.
     *
     * @param pinned whether the task is pinned (a pin may move a partition back on purpose)
     */
    public static boolean mayScore(long candidate, long lastUsed, boolean pinned) {
        return pinned || candidate >= lastUsed;
    }

    /** Why {@code candidate} was not taken, for the log. */
    static String refusal(long candidate, OptionalLong current, OptionalLong pin) {
        if (pin.isPresent() && candidate != pin.getAsLong()) {
            return "the task is pinned to version " + pin.getAsLong();
        }
        return "version " + current.orElse(0) + " is in service and versions only move forward";
    }
}
