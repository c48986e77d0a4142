package io.kadence.internal.engine

import io.kadence.failure.IllegalWorkflowStateException
import io.kadence.failure.NonDeterminismException
import io.kadence.history.ActivityScheduled
import io.kadence.history.CommandAttributes
import io.kadence.history.HistoryEvent
import io.kadence.history.MarkerRecorded
import io.kadence.history.TimerStarted

/**
 * Collects the commands workflow code issues during a workflow task. Live, they become the events
 * the task appends; in replay, each must match the command recorded at the same position.
 */
internal class CommandRecorder(private val executor: WorkflowExecutor) {
    private class Issued(val command: CommandAttributes, val source: String?)

    private val pending = ArrayDeque<Issued>()

    fun issue(command: CommandAttributes) {
        val owner = executor.loop.owner
        if (owner == null || owner !== Thread.currentThread()) {
            throw IllegalWorkflowStateException(
                "workflow '${executor.info.workflowId}' (run ${executor.runId}) issued ${command.describe()} from thread " +
                    "'${Thread.currentThread().name}', outside its workflow task: workflow operations may only be called from workflow code",
            )
        }
        if (executor.updates.validating) {
            throw IllegalWorkflowStateException("an update validator of workflow '${executor.info.workflowId}' asked for ${command.describe()}: validators only read state")
        }
        pending.addLast(Issued(command, executor.sourceHint()))
    }

    /** Commands issued in this task and not yet matched or drained. */
    val pendingCount: Int get() = pending.size

    fun drainNew(): List<CommandAttributes> {
        val out = pending.map { it.command }
        pending.clear()
        return out
    }

    /** Matches the recorded command [event] against the next command the code issued. */
    fun match(event: HistoryEvent) {
        val recorded = event.attributes as CommandAttributes
        val issued = pending.removeFirstOrNull()
            ?: throw mismatch("history has ${recorded.describe()} at event ${event.eventId}, but the code did not ask for it")
        if (!sameCommand(issued.command, recorded)) {
            throw mismatch("history has ${recorded.describe()} at event ${event.eventId}, code asked for ${issued.command.describe()}${issued.at()}")
        }
    }

    /** At an input event (or the end of history, [event] null), no issued command may be left unmatched. */
    fun expectNoneUnmatched(event: HistoryEvent?) {
        val issued = pending.firstOrNull() ?: return
        val where = event?.let { "has ${it.attributes.describe()} at event ${it.eventId}" } ?: "ends at event ${executor.nextEventId - 1}"
        throw mismatch("code asked for ${issued.command.describe()}${issued.at()}, but history $where")
    }

    private fun Issued.at(): String = source?.let { " at $it" } ?: ""

    private fun mismatch(what: String) = NonDeterminismException(
        "non-determinism in workflow '${executor.info.workflowId}' run ${executor.runId} (type '${executor.info.workflowType}'): $what. " +
            "Restore the previous code, or guard the change with version(...), then the workflow task will be retried",
    )

    private fun sameCommand(a: CommandAttributes, b: CommandAttributes): Boolean {
        if (a::class != b::class || a.seq != b.seq) return false
        return when (a) {
            is ActivityScheduled -> a.activityType == (b as ActivityScheduled).activityType
            is TimerStarted -> a.durationMillis == (b as TimerStarted).durationMillis
            is MarkerRecorded -> a.kind == (b as MarkerRecorded).kind && a.name == b.name
            is io.kadence.history.ChildWorkflowScheduled -> a.workflowType == (b as io.kadence.history.ChildWorkflowScheduled).workflowType && a.workflowId == b.workflowId
            is io.kadence.history.WorkflowUpdateCompleted -> a.updateId == (b as io.kadence.history.WorkflowUpdateCompleted).updateId
            is io.kadence.history.SessionRequested -> a.taskQueue == (b as io.kadence.history.SessionRequested).taskQueue && a.resources == b.resources
            else -> true
        }
    }
}

/** The first stack frame of workflow code (not Kadence, Kotlin or JDK), as "File.kt:41". */
internal fun callerFrame(): String? {
    for (f in Throwable().stackTrace) {
        val c = f.className
        if (c.startsWith("io.kadence.internal.") || c.startsWith("io.kadence.workflow.") || c.startsWith("kotlin") ||
            c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.") || c.startsWith("jdk.proxy") ||
            c.startsWith("com.sun.proxy")
        ) continue
        return "${f.fileName}:${f.lineNumber}"
    }
    return null
}
