package io.kadence.internal.store

import java.util.concurrent.locks.LockSupport
import java.util.concurrent.locks.ReentrantLock
import kotlin.concurrent.withLock

/**
 * Group commit: transitions submitted by several threads at once share one transaction, so a
 * burst of N transitions (activity completions of N runs, say) costs one commit, one connection
 * checkout and one round of transaction setup instead of N.
 *
 * The first thread to arrive leads: it takes what is queued (itself included), hands the batch to
 * [execute] and, before waking the others, makes the oldest waiting thread the next leader, so
 * threads that arrived meanwhile form the next batch at once. At most [maxLeaders] batches run at
 * a time. A thread alone in its batch runs its transition the ordinary way, as does every
 * transition that [execute] did not commit: one failing transition must not fail others that had
 * nothing to do with it.
 */
internal class GroupCommit<P : Any>(private val maxLeaders: Int, private val maxBatch: Int) {
    init {
        require(maxLeaders >= 1 && maxBatch >= 2) { "maxLeaders must be >= 1 and maxBatch >= 2" }
    }

    /**
     * How a submitted transition ended: committed in a batch ([DONE]), run alone by the leader
     * ([RAN], with [Op.result] or [Op.error] set), or left to its own thread ([ALONE]).
     */
    enum class Outcome { WAITING, LEAD, DONE, RAN, ALONE }

    /**
     * One submitted transition, keyed by what it locks first. [execute] sets [result] on the ones it
     * commits; a transition run alone by its leader gets [result] or [error].
     */
    class Op<P : Any>(val key: String, val payload: P) {
        internal val thread: Thread = Thread.currentThread()
        @Volatile internal var outcome: Outcome = Outcome.WAITING
        var result: Any? = null
        var error: Throwable? = null
    }

    private val lock = ReentrantLock()
    private val queue = ArrayDeque<Op<P>>()
    private var leaders = 0

    /** Transitions queued and waiting for a leader (for diagnostics and tests). */
    fun waitingCount(): Int = lock.withLock { queue.count { it.outcome == Outcome.WAITING } }

    /**
     * Submits [op] and returns once it is settled (see [Outcome]). [alone] runs one transition by
     * itself; [execute] runs a batch of two or more in one transaction, setting each one's
     * [Op.result], and returns those that committed (the others run alone).
     */
    fun submit(op: Op<P>, alone: (Op<P>) -> Any?, execute: (List<Op<P>>) -> Collection<Op<P>>): Outcome {
        lock.withLock {
            queue.addLast(op)
            if (leaders < maxLeaders) {
                leaders++
                op.outcome = Outcome.LEAD
            }
        }
        var interrupted = false
        try {
            while (true) {
                when (op.outcome) {
                    Outcome.WAITING -> {
                        LockSupport.park(this)
                        // An interrupt must not turn the wait into a spin; it is kept for the caller.
                        if (Thread.interrupted()) interrupted = true
                    }
                    Outcome.LEAD -> lead(op, alone, execute)
                    Outcome.DONE, Outcome.RAN, Outcome.ALONE -> return op.outcome
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt()
        }
    }

    private fun lead(me: Op<P>, alone: (Op<P>) -> Any?, execute: (List<Op<P>>) -> Collection<Op<P>>) {
        val batch = ArrayList<Op<P>>()
        lock.withLock {
            queue.remove(me)
            batch += me
            // Threads already made leaders stay queued until they take their own batch.
            val waiting = queue.iterator()
            while (batch.size < maxBatch && waiting.hasNext()) {
                val op = waiting.next()
                if (op.outcome == Outcome.WAITING) {
                    batch += op
                    waiting.remove()
                }
            }
        }
        if (batch.size == 1) {
            // Nobody to share with: this thread commits on its own, still as a leader, so that threads
            // arriving meanwhile queue up and the next leader takes them together.
            try {
                me.result = alone(me)
            } catch (e: Throwable) {
                me.error = e
            }
            handOff()
            me.outcome = Outcome.RAN
            return
        }
        // A batch that threw is a batch that did not commit: each of its transitions runs alone, where its error surfaces.
        val committed = try { execute(batch).toHashSet() } catch (e: Throwable) { emptySet() }
        handOff()
        batch.forEach { settle(it, if (it in committed) Outcome.DONE else Outcome.ALONE) }
    }

    /** The oldest waiting thread leads next, or there is one leader fewer. */
    private fun handOff() {
        val next = lock.withLock {
            queue.firstOrNull { it.outcome == Outcome.WAITING }?.also { it.outcome = Outcome.LEAD } ?: run { leaders--; null }
        }
        next?.let { LockSupport.unpark(it.thread) }
    }

    private fun settle(op: Op<P>, outcome: Outcome) {
        op.outcome = outcome
        if (op.thread !== Thread.currentThread()) LockSupport.unpark(op.thread)
    }
}
