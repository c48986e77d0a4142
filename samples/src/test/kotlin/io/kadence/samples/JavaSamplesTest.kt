package io.kadence.samples

import io.kadence.samples.java.FileProcessingSample
import io.kadence.samples.java.HelloSample
import io.kadence.samples.java.ModelTrainingSample
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** Runs the Java samples end to end and checks what they produced. */
class JavaSamplesTest {
    @TempDir lateinit var dir: Path

    @Test
    fun `the Java hello sample greets through an activity`() {
        assertEquals("Hello, Ada!", HelloSample.run(dir.resolve("data"), "Ada"))
    }

    @Test
    fun `the Java file sample processes each file on one host`() {
        val received = LinkedHashMap<String, String>()
        val reports = FileProcessingSample.run(dir.resolve("data"), received)
        assertEquals(listOf("alpha.txt" to 9, "beta.txt" to 6), reports.map { it.name() to it.words() })
        assertTrue(reports.all { it.host() == "host-a" || it.host() == "host-b" }, reports.toString())
        assertEquals(
            mapOf(
                "alpha.txt" to "words=9\nTHE QUICK BROWN FOX\nJUMPS OVER THE LAZY DOG",
                "beta.txt" to "words=6\nDURABLE WORKFLOWS SURVIVE A KILL -9",
            ),
            received,
        )
        assertEquals(reports.map { received.getValue(it.name()).toByteArray().size.toLong() }, reports.map { it.uploadedBytes() })
    }

    @Test
    fun `the Java training sample runs every model on the GPU host, at most two at once`() {
        ModelTrainingSample.PEAK.clear()
        val results = ModelTrainingSample.run(dir.resolve("data"), 20)
        assertEquals(listOf("resnet", "bert", "gpt-mini", "unet", "whisper-tiny"), results.map { it.model() })
        assertEquals(List(5) { "gpu-box" }, results.map { it.host() })
        assertEquals(results.map { "registry://models/${it.model()}.weights" }, results.map { it.weights() })
        assertTrue(ModelTrainingSample.PEAK.getValue("gpu-box") <= 2, "trainings at once: ${ModelTrainingSample.PEAK}")
        assertEquals(setOf("gpu-box"), ModelTrainingSample.PEAK.keys)
    }
}

/** The Java feature samples, each checked for its exact output. */
class JavaFeatureSamplesTest {
    @TempDir lateinit var dir: Path

    private val data get() = dir.resolve("data")

    @Test
    fun `order with retries and a durable sleep`() {
        assertEquals(listOf("charged o-7 on attempt 3"), io.kadence.samples.java.FeatureSamples.runOrder(data))
    }

    @Test
    fun `signals, a query and an update with a validator`() {
        assertEquals(
            listOf("discount 80 %: refused (REJECTED)", "discount 10 %: new total 1800", "query total: 1800", "ada bought [coffee, mug] for 1800 cents"),
            io.kadence.samples.java.FeatureSamples.runMessages(data),
        )
    }

    @Test
    fun `child workflows fan out and in, and one is fire-and-forget`() {
        assertEquals(listOf("3 children counted 9 words", "fire-and-forget child: report: 9 words"), io.kadence.samples.java.FeatureSamples.runChildren(data))
    }

    @Test
    fun `continue-as-new`() {
        // Ten runs of ten numbers each: a workflow that summed all in one run would report 1 run, 0 continued as new.
        assertEquals(
            listOf("sum of 1..100 = 5050 over 10 runs of one workflow id, 9 of them continued as new"),
            io.kadence.samples.java.FeatureSamples.runContinueAsNew(data),
        )
    }

    @Test
    fun `side effect, mutable side effect and version`() {
        assertEquals(
            listOf("token recorded once: 8 chars", "max-retries read as [3, 4, 5]", "shipping: express"),
            io.kadence.samples.java.FeatureSamples.runDeterminism(data),
        )
    }

    @Test
    fun `cancellation with cleanup`() {
        assertEquals(listOf("canceled: released room 12", "activities: [held room 12, released room 12]"), io.kadence.samples.java.FeatureSamples.runCancellation(data))
    }

    @Test
    fun `a schedule from Java takes one action per nominal time`() {
        assertEquals(
            listOf("planned 3 actions", "actions taken: 3, skipped: 0, missed: 0", "each run got its own nominal time: true"),
            io.kadence.samples.java.ScheduleSample.run(data),
        )
    }
}
