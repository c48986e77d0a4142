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
 * Runs [HistoryChecker] over every history a test wrote through [TestStores.open] or [SharedStore.open],
 * in every namespace of their databases, after the test: the invariants of each history, and a
 * replay of it against the workflow's registered code. It is
 * registered for the whole suite (junit-platform.properties turns on extension auto-detection).
 * A test that corrupts histories on purpose opts out with [skipThisTest]; one whose histories its
 * registered code cannot replay (on purpose) keeps the invariant checks with [skipReplayThisTest].
 */
class HistoryCheckExtension : AfterEachCallback {
    private class Opened(val url: String, val user: String, val definitions: Map<String, WorkflowDefinition<Any?, Any?>>)

    override fun afterEach(context: ExtensionContext) {
        val stores = synchronized(opened) { opened.toList().also { opened.clear() } }
        val skip = skipped
        val replay = !replaySkipped
        skipped = false
        replaySkipped = false
        if (skip || context.executionException.isPresent) return
        // Several instances (one per namespace, say) may share a database: check each database once, with all their code.
        for ((key, same) in stores.groupBy { it.url to it.user }) {
            val definitions = if (replay) same.flatMap { it.definitions.entries }.associate { it.key to it.value } else emptyMap()
            check(key.first, key.second, definitions)
        }
    }

    private fun check(url: String, user: String, definitions: Map<String, WorkflowDefinition<Any?, Any?>>) {
        JdbcHistoryStore(StoreConfig(url, user, "", 2)).use { store ->
            val namespaces = namespacesOf(url, user)
            for (run in namespaces.sorted().flatMap { store.listRuns(it, null, null, 100_000) }) {
                val history = store.readHistory(run.runId)
                // A run whose task is failing is expected not to replay; its invariants still hold.
                val definition = definitions[run.workflowType]?.takeIf { run.taskFailure == null }
                try {
                    HistoryChecker.check(history, definition)
                } catch (e: HistoryViolationException) {
                    throw AssertionError("workflow '${run.workflowId}' (${run.workflowType}, ${run.status}, namespace '${run.namespace}'): ${e.message}", e)
                }
                if (run.status != RunStatus.RUNNING && history.size.toLong() != run.nextEventId - 1) {
                    throw AssertionError("workflow '${run.workflowId}': ${history.size} events stored, the run says ${run.nextEventId - 1}")
                }
            }
        }
    }

    /** Every namespace that has a run in the database at [url]. */
    private fun namespacesOf(url: String, user: String): List<String> =
        java.sql.DriverManager.getConnection(url, user, "").use { c ->
            c.createStatement().executeQuery("SELECT DISTINCT namespace FROM workflow_executions").use { rs ->
                generateSequence { if (rs.next()) rs.getString(1) else null }.toList()
            }
        }

    companion object {
        private val opened = ArrayList<Opened>()
        @Volatile private var skipped = false
        @Volatile private var replaySkipped = false

        fun opened(url: String, user: String, kadence: Kadence) {
            synchronized(opened) { opened += Opened(url, user, kadence.engine.definitions) }
        }

        /** The current test writes invalid or unreadable histories on purpose: do not check them. */
        fun skipThisTest() { skipped = true }

        /**
         * The current test runs histories that its registered code cannot replay on purpose (two
         * versions of one workflow type): check their invariants, but do not replay them.
         */
        fun skipReplayThisTest() { replaySkipped = true }
    }
}
