package io.kadence.workflow

/**
 * A logger for workflow code that is silent while the run replays its history, so each message is
 * written once however often the code is re-executed. Messages carry the run's ids.
 */
public interface WorkflowLogger {
    public fun debug(message: String)
    public fun info(message: String)
    public fun warn(message: String, error: Throwable? = null)
    public fun error(message: String, error: Throwable? = null)
}
