package io.kadence.samples

import io.kadence.samples.features.runCancellation
import io.kadence.samples.features.runChildren
import io.kadence.samples.features.runContinueAsNew
import io.kadence.samples.features.runDeterminism
import io.kadence.samples.features.runHello
import io.kadence.samples.features.runMessages
import io.kadence.samples.features.runSchedule
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import kotlin.test.Test
import kotlin.test.assertEquals

/** Runs each Kotlin feature sample on a fresh embedded store and checks its exact output. */
class FeatureSamplesTest {
    @TempDir lateinit var dir: Path

    private val data get() = dir.resolve("data")

    @Test
    fun `hello`() = runBlocking {
        assertEquals(listOf("Hello, Kadence!"), runHello(data))
    }

    @Test
    fun `signals, a query and an update with a validator`() = runBlocking {
        assertEquals(
            listOf(
                "discount 80 %: refused (REJECTED)",
                "discount 10 %: new total 1800",
                "query total: 1800",
                "ada bought [coffee, mug] for 1800 cents",
            ),
            runMessages(data),
        )
    }

    @Test
    fun `child workflows fan out and in, and one is fire-and-forget`() = runBlocking {
        assertEquals(listOf("3 children counted 9 words", "fire-and-forget child: report: 9 words"), runChildren(data))
    }

    @Test
    fun `continue-as-new keeps one workflow id over many runs`() = runBlocking {
        assertEquals(listOf("sum of 1..100 = 5050 over 10 runs of one workflow id"), runContinueAsNew(data))
    }

    @Test
    fun `side effect, mutable side effect and version`() = runBlocking {
        assertEquals(
            listOf(
                "token recorded once: 8 chars",
                "max-retries read as [3, 4, 5]",
                "shipping: express",
                "markers in history: [sideEffect, mutableSideEffect, mutableSideEffect, mutableSideEffect, version]",
            ),
            runDeterminism(data),
        )
    }

    @Test
    fun `cancellation runs a cleanup activity and the workflow decides its result`() = runBlocking {
        assertEquals(listOf("canceled: released room 12", "activities: [held room 12, released room 12]"), runCancellation(data))
    }

    @Test
    fun `a schedule takes one action per nominal time`() = runBlocking {
        assertEquals(
            listOf("planned 3 actions, one second apart: true", "actions taken: 3, skipped: 0, missed: 0", "each run got its own nominal time: true"),
            runSchedule(data),
        )
    }
}
