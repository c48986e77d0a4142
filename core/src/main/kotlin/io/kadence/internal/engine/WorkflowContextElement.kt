package io.kadence.internal.engine

import kotlinx.coroutines.ThreadContextElement
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext

/** Marks a coroutine as workflow code of a run, so top-level helpers can find the run. */
internal class WorkflowContextElement(val executor: WorkflowExecutor) : AbstractCoroutineContextElement(Key) {
    companion object Key : CoroutineContext.Key<WorkflowContextElement>
}

/**
 * Notices workflow code resuming on a thread that is not the loop's (for example inside
 * `withContext(Dispatchers.IO)`), so the workflow task fails with an explanation.
 */
internal class WorkflowThreadGuard(private val loop: WorkflowLoop) : ThreadContextElement<Unit> {
    companion object Key : CoroutineContext.Key<WorkflowThreadGuard>

    override val key: CoroutineContext.Key<*> get() = Key

    override fun updateThreadContext(context: CoroutineContext) {
        val current = Thread.currentThread()
        if (current !== loop.owner && loop.escapedTo == null) loop.escapedTo = current.name
    }

    override fun restoreThreadContext(context: CoroutineContext, oldState: Unit) {}
}
