package io.kadence.test

import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.workflow.activities
import io.kadence.workflow.activity
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds

/** An activity interface with a blocking method (not `suspend`). */
interface Ledger {
    fun post(entry: String): String
}

/** Calls the blocking method on a typed stub, which cannot suspend: refused with directions. */
val MisusedStub = workflow<String, String>("MisusedStub") { entry -> activities<Ledger>(ActivityOptions(startToClose = 5.seconds)).post(entry) }

/** The supported way: the blocking method by reference. */
val ByReference = workflow<String, String>("ByReference") { entry -> activity(Ledger::post, entry, ActivityOptions(startToClose = 5.seconds)) }

class DslMisuseTest {
    @Test
    fun `a blocking method called on a typed stub fails with directions, and by reference it works`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("ledger", TestStores.workerOptions()) {
                register(MisusedStub)
                register(ByReference)
                activities<Ledger>(object : Ledger { override fun post(entry: String) = "posted $entry" })
            }.start()
            val misuse = kadence.client.start(MisusedStub, "e1") { id = "misuse"; taskQueue = "ledger" }
            val failure = eventually("the task to fail") { misuse.describe().lastWorkflowTaskFailure }
            assertTrue(
                "activity method Ledger.post is not a suspend function" in failure && "activity(Ledger::post, args…, options)" in failure,
                failure,
            )
            assertEquals("posted e2", kadence.client.start(ByReference, "e2") { id = "by-ref"; taskQueue = "ledger" }.result(30.seconds))
            misuse.terminate("done")
        }
    }
}
