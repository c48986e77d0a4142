package io.kadence.internal.store

import org.jetbrains.exposed.v1.jdbc.JdbcTransaction
import java.util.concurrent.locks.ReentrantLock
import kotlin.concurrent.withLock

/**
 * Commits the transitions of concurrent callers together (leader/follower, no extra thread).
 *
 * A caller queues its [Job] and, if no batch is running, becomes the leader: it takes up to
 * [maxBatch] queued jobs (its own among them) and hands them to [runBatch], which runs them in one
 * transaction. Callers that arrive meanwhile wait; when the batch ends they wake, the ones whose job
 * ran return, and one of the rest leads the next batch with everything that queued up. A lone caller
 * therefore commits alone at once, and under load each commit carries many transitions.
 *
 * [H] is what a job collects for after its commit (the store's wake-up hints).
 */
internal class GroupCommit<H>(
    private val maxBatch: Int,
    private val runBatch: (List<Job<*, H>>) -> Unit,
) {
    /** One transition: its [block] and, once its batch ran, its [result], [error] or [retryAlone]. */
    class Job<T, H>(private val block: JdbcTransaction.(H) -> T, private val newHints: () -> H) {
        var hints: H = newHints()
            private set
        private var value: T? = null

        @Suppress("UNCHECKED_CAST")
        val result: T get() = value as T
        var error: Throwable? = null

        /** The batch could not settle this job (SQL error, failed commit): run it again in a transaction of its own. */
        var retryAlone = false
        internal var done = false

        /** Runs the block inside [tx] with fresh hints, then [finish] (still inside); a throw is kept in [error]. */
        fun run(tx: JdbcTransaction, finish: JdbcTransaction.(H) -> Unit) {
            hints = newHints()
            error = null
            try {
                value = tx.block(hints)
                tx.finish(hints)
            } catch (e: Throwable) {
                error = e
            }
        }
    }

    private val lock = ReentrantLock()
    private val batchDone = lock.newCondition()
    private val queue = ArrayDeque<Job<*, H>>()
    private var leading = false

    /** Jobs queued behind the batch in progress. */
    val waiting: Int get() = lock.withLock { queue.size }

    /** Queues [job] and returns once a batch has run it (as leader or follower). */
    fun submit(job: Job<*, H>) {
        lock.withLock {
            queue.addLast(job)
            while (!job.done) {
                if (leading) {
                    batchDone.await()
                    continue
                }
                leading = true
                val batch = ArrayList<Job<*, H>>(minOf(queue.size, maxBatch))
                while (batch.size < maxBatch && queue.isNotEmpty()) batch += queue.removeFirst()
                lock.unlock()
                try {
                    runBatch(batch)
                } finally {
                    lock.lock()
                    batch.forEach { it.done = true }
                    leading = false
                    batchDone.signalAll()
                }
            }
        }
    }
}

