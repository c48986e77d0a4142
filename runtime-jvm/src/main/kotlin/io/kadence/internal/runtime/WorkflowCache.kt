package io.kadence.internal.runtime

import io.kadence.internal.engine.WorkflowExecutor

/**
 * Runs kept in memory between workflow tasks, least recently used first out. A miss is never an
 * error: the run is rebuilt by replaying its history. Size 0 forces a replay for every task.
 */
internal class WorkflowCache(private val capacity: Int) {
    private val map = object : LinkedHashMap<String, WorkflowExecutor>(16, 0.75f, true) {
        override fun removeEldestEntry(eldest: MutableMap.MutableEntry<String, WorkflowExecutor>?): Boolean = size > capacity
    }

    /** Takes the run out of the cache (the caller owns it while it runs a task). */
    @Synchronized fun take(runId: String): WorkflowExecutor? = map.remove(runId)

    @Synchronized fun put(executor: WorkflowExecutor) {
        if (capacity > 0) map[executor.runId] = executor
    }

    @Synchronized fun size(): Int = map.size
}
