package io.kadence.test.process

import io.kadence.testing.ChildJvm
import io.kadence.Kadence
import io.kadence.client.WorkflowDescription
import io.kadence.client.WorkflowHandle
import io.kadence.client.WorkflowStatus
import io.kadence.failure.WorkflowNotFoundException
import io.kadence.test.TestStores
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds

/**
 * Kills a JVM with `kill -9` right after commits returned and checks, on reopen, that every
 * acknowledged commit is there. Runs on this execution's store: an H2 file in the default run,
 * PostgreSQL (a fresh schema) in the `postgres` run.
 */
@Tag("process")
class CommitDurabilityTest {
    @TempDir lateinit var dir: Path

    @Test
    fun `every workflow start acknowledged before kill -9 is in the store when it is reopened`() {
        val (storeArgs, reopen) = if (TestStores.isPostgres) {
            val url = TestStores.newPgSchema()
            listOf("postgres", url, TestStores.pgUser) to { Kadence.connect(url, TestStores.pgUser, "") }
        } else {
            val data = dir.resolve("data")
            listOf("h2", data.toString()) to { Kadence.embedded(data) }
        }
        val acknowledged = ArrayList<String>()
        for (round in 1..ROUNDS) {
            // Kill after the 1st, 3rd, … 19th start: right after the first commit of a fresh process, and later ones.
            val killAfter = 2 * round - 1
            val printed = ChildJvm.start("CommitThenWait round $round (${storeArgs[0]})", CHILD_MAIN, listOf("r$round", "$STARTS") + storeArgs, dir)
                .use { child ->
                    child.awaitLine(60.seconds, "COMMITTED line $killAfter") { it == "COMMITTED r$round-$killAfter" }
                    assertEquals(137, child.kill9(), "exit code of the child: killed by SIGKILL")
                    child.output().filter { it.startsWith("COMMITTED ") }.map { it.removePrefix("COMMITTED ") }
                }
            assertEquals((1..printed.size).map { "r$round-$it" }, printed, "starts acknowledged in round $round")
            assertTrue(printed.size >= killAfter)
            acknowledged += printed

            reopen().use { kadence ->
                runBlocking {
                    val missing = acknowledged.filter { id ->
                        val d = kadence.client.handle<String>(id, String::class.java).describeOrNull()
                        d == null || d.status != WorkflowStatus.RUNNING || d.workflowType != "Parked"
                    }
                    assertEquals(emptyList(), missing, "acknowledged starts missing after kill -9 in round $round (of ${acknowledged.size})")
                }
            }
        }
    }

    private suspend fun WorkflowHandle<*>.describeOrNull(): WorkflowDescription? = try {
        describe()
    } catch (e: WorkflowNotFoundException) {
        null
    }

    private companion object {
        const val ROUNDS = 10
        const val STARTS = 20
        const val CHILD_MAIN = "io.kadence.test.process.CommitThenWaitKt"
    }
}
