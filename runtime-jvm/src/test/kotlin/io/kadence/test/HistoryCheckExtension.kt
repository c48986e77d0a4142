package io.kadence.test

import io.kadence.Kadence
import io.kadence.internal.spi.RunStatus
import io.kadence.internal.store.JdbcHistoryStore
import io.kadence.internal.store.StoreConfig
import io.kadence.testing.HistoryChecker
import io.kadence.testing.HistoryViolationException
import io.kadence.workflow.WorkflowDefinition
import org.junit.jupiter.api.extension.AfterEachCallback
import org.junit.jupiter.api.extension.ExtensionContext

/**
 * Runs [HistoryChecker] over every history a test wrote through [TestStores.open], after the test:
 * the invariants of each history, and a replay of it against the workflow's registered code. It is
 * registered for the whole suite (junit-platform.properties turns on extension auto-detection).
 * A test that corrupts histories on purpose opts out with [skipThisTest].
 */
class HistoryCheckExtension : AfterEachCallback {
    private class Opened(val url: String, val user: String, val definitions: Map<String, WorkflowDefinition<Any?, Any?>>)

    override fun afterEach(context: ExtensionContext) {
        val stores = synchronized(opened) { opened.toList().also { opened.clear() } }
        val skip = skipped
        skipped = false
        if (skip || context.executionException.isPresent) return
        for (o in stores) check(o)
    }

    private fun check(o: Opened) {
        JdbcHistoryStore(StoreConfig(o.url, o.user, "", 2)).use { store ->
            for (run in store.listRuns("default", null, null, 100_000)) {
                val history = store.readHistory(run.runId)
                // A run whose task is failing is expected not to replay; its invariants still hold.
                val definition = o.definitions[run.workflowType]?.takeIf { run.taskFailure == null }
                try {
                    HistoryChecker.check(history, definition)
                } catch (e: HistoryViolationException) {
                    throw AssertionError("workflow '${run.workflowId}' (${run.workflowType}, ${run.status}): ${e.message}", e)
                }
                if (run.status != RunStatus.RUNNING && history.size.toLong() != run.nextEventId - 1) {
                    throw AssertionError("workflow '${run.workflowId}': ${history.size} events stored, the run says ${run.nextEventId - 1}")
                }
            }
        }
    }

    companion object {
        private val opened = ArrayList<Opened>()
        @Volatile private var skipped = false

        fun opened(url: String, user: String, kadence: Kadence) {
            synchronized(opened) { opened += Opened(url, user, kadence.engine.definitions) }
        }

        /** The current test writes invalid histories on purpose: do not check them. */
        fun skipThisTest() { skipped = true }
    }
}
