package io.kadence.internal.engine

import io.kadence.converter.Payloads
import io.kadence.failure.IllegalWorkflowStateException
import io.kadence.history.MarkerRecorded
import java.lang.reflect.Type

/**
 * Markers record what must not run twice or must not change under a running workflow: side
 * effects (the value is computed once, then read from history) and versions (which branch of a
 * changed workflow a run takes). Recorded markers are known before replay starts, because the
 * code needs their values while it runs, before the matcher reaches them.
 */
internal class Markers(private val executor: WorkflowExecutor) {
    private val bySeq = HashMap<Long, MarkerRecorded>()
    private val versionsInHistory = HashMap<String, MarkerRecorded>()
    private val versionsDecided = HashMap<String, Int>()

    fun remember(m: MarkerRecorded) {
        bySeq[m.seq] = m
        if (m.kind == VERSION) versionsInHistory.putIfAbsent(m.name, m)
    }

    fun <T> sideEffect(type: Type, block: () -> T): Any? {
        val seq = executor.state.nextSeq()
        val recorded = bySeq[seq]?.takeIf { it.kind == SIDE_EFFECT }
        val value = recorded?.value
            ?: Payloads.encode(executor.converter, block(), type, "side effect of workflow '${executor.info.workflowId}'")
        executor.commands.issue(MarkerRecorded(seq, SIDE_EFFECT, "", value))
        return executor.converter.decode(value, type)
    }

    fun version(changeId: String, min: Int, max: Int): Int {
        versionsDecided[changeId]?.let { return it }
        val recorded = versionsInHistory[changeId]
        val version = when {
            recorded != null -> recorded.value!!.toInt()
            executor.isReplaying -> DEFAULT_VERSION // the run passed this point before the change existed
            else -> max
        }
        if (version < min || version > max) {
            throw IllegalWorkflowStateException(
                "workflow '${executor.info.workflowId}' run ${executor.runId} is at version $version of change '$changeId', " +
                    "but the code supports only $min..$max: keep the branch for version $version until such runs have closed",
            )
        }
        if (version != DEFAULT_VERSION) executor.commands.issue(MarkerRecorded(executor.state.nextSeq(), VERSION, changeId, version.toString()))
        versionsDecided[changeId] = version
        return version
    }

    companion object {
        const val SIDE_EFFECT = "sideEffect"
        const val VERSION = "version"
        const val DEFAULT_VERSION = -1
    }
}
