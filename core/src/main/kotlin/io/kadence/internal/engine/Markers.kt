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

    /** The last value recorded per mutable side effect id (live, or taken from history on replay). */
    private val mutableValues = HashMap<String, String>()

    /**
     * Runs [block] and records its value only when it differs from the last one recorded for [id].
     * On replay, a call that recorded a marker takes the recorded value; one that did not returns the
     * last value, without running [block].
     */
    fun <T> mutableSideEffect(id: String, type: Type, block: () -> T): Any? {
        if (executor.isReplaying) {
            val next = executor.upcomingRecordedCommand()
            if (next is MarkerRecorded && next.kind == MUTABLE_SIDE_EFFECT && next.name == id) {
                return recordMutable(id, next.value!!, type)
            }
            mutableValues[id]?.let { return executor.converter.decode(it, type) }
            // No value to return: fall through; the marker this records will not match history.
        }
        val value = Payloads.encode(executor.converter, block(), type, "mutable side effect '$id' of workflow '${executor.info.workflowId}'")
        if (mutableValues[id] == value) return executor.converter.decode(value, type)
        return recordMutable(id, value, type)
    }

    private fun recordMutable(id: String, value: String, type: Type): Any? {
        executor.commands.issue(MarkerRecorded(executor.state.nextSeq(), MUTABLE_SIDE_EFFECT, id, value))
        mutableValues[id] = value
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
        const val MUTABLE_SIDE_EFFECT = "mutableSideEffect"
        const val DEFAULT_VERSION = -1
    }
}
