package io.kadence.client

import io.kadence.failure.InvalidArgumentException
import kotlin.time.Duration

/** How to start a workflow run. Build it in the `start(def, input) { id = "…"; taskQueue = "…" }` block. */
public class WorkflowStartOptions {
    /** The workflow id: unique among open runs of the namespace. A random UUID when not set. */
    public var id: String? = null

    /** The task queue whose workers run the workflow. */
    public var taskQueue: String = "default"

    /** Makes a retried start idempotent: a start with the same id and request id returns the run already started. */
    public var requestId: String? = null

    /** Limit for the whole workflow; the run is closed as TIMED_OUT when it passes (continue-as-new and retries come later). */
    public var executionTimeout: Duration? = null

    /** Limit for one run; the run is closed as TIMED_OUT when it passes. */
    public var runTimeout: Duration? = null

    /** Values propagated to the workflow and its activities. */
    public val headers: MutableMap<String, String> = LinkedHashMap()

    internal fun validate() {
        id?.let { Validation.checkId("workflow id", it) }
        Validation.checkId("task queue", taskQueue)
        requestId?.let { Validation.checkId("request id", it, max = 255) }
        executionTimeout?.let { if (!it.isPositive()) throw InvalidArgumentException("executionTimeout must be positive, was $it") }
        runTimeout?.let { if (!it.isPositive()) throw InvalidArgumentException("runTimeout must be positive, was $it") }
    }
}

internal object Validation {
    const val MAX_ID_LENGTH = 1000

    fun checkId(what: String, value: String, max: Int = MAX_ID_LENGTH) {
        if (value.isBlank()) throw InvalidArgumentException("$what must not be blank")
        if (value.length > max) throw InvalidArgumentException("$what is ${value.length} characters, over the limit of $max")
        if (value.any { it == '\u0000' }) throw InvalidArgumentException("$what must not contain NUL characters")
        for (i in value.indices) {
            val c = value[i]
            if (Character.isHighSurrogate(c) && (i + 1 >= value.length || !Character.isLowSurrogate(value[i + 1])) ||
                Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(value[i - 1]))
            ) throw InvalidArgumentException("$what contains a lone surrogate at index $i; it must be valid Unicode")
        }
    }
}
