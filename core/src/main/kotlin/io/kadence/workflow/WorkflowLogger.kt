package io.kadence.workflow

/**
 * A logger for workflow code that is silent while the run replays its history, so each message is
 * written once however often the code is re-executed. Messages carry the run's ids.
 */
public interface WorkflowLogger {
    /** Logs at DEBUG, not on replay. */
    public fun debug(message: String)
    /** Logs at INFO, not on replay. */
    public fun info(message: String)
    /** Logs at WARN, not on replay. */
    public fun warn(message: String, error: Throwable? = null)
    /** Logs at ERROR, not on replay. */
    public fun error(message: String, error: Throwable? = null)
}
