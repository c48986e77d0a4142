package io.kadence.internal.runtime

import io.kadence.internal.engine.WorkflowExecutor

/**
 * Runs kept in memory between workflow tasks, least recently used first out. A miss is never an
 * error: the run is rebuilt by replaying its history. Size 0 forces a replay for every task.
 * An executor that leaves for good (evicted, closed, discarded) is destroyed, which ends the
 * threads of Java workflows parked in it.
 */
internal class WorkflowCache(private val capacity: Int) {
    private val evicted = ArrayList<WorkflowExecutor>()
    private val map = object : LinkedHashMap<String, WorkflowExecutor>(16, 0.75f, true) {
        override fun removeEldestEntry(eldest: MutableMap.MutableEntry<String, WorkflowExecutor>?): Boolean =
            (size > capacity).also { if (it && eldest != null) evicted += eldest.value }
    }

    /** Takes the run out of the cache (the caller owns it while it runs a task, and puts it back or discards it). */
    @Synchronized fun take(runId: String): WorkflowExecutor? = map.remove(runId)

    /** Keeps [executor] for the run's next task; a closed run's executor is destroyed instead. */
    fun put(executor: WorkflowExecutor) {
        if (executor.isClosed || capacity == 0) {
            executor.destroy()
            return
        }
        val out = synchronized(this) {
            map.put(executor.runId, executor)?.takeIf { it !== executor }?.let(evicted::add)
            evicted.toList().also { evicted.clear() }
        }
        out.forEach(WorkflowExecutor::destroy)
    }

    /** Takes the run out and destroys it: it ran ahead of history or failed. */
    fun discard(runId: String) {
        take(runId)?.destroy()
    }

    /** Destroys every cached run (the worker is closing). */
    fun clear() {
        val all = synchronized(this) { map.values.toList().also { map.clear() } }
        all.forEach(WorkflowExecutor::destroy)
    }

    @Synchronized fun size(): Int = map.size
}
