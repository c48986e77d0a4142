package io.kadence.test

import io.kadence.failure.StaleTaskException
import io.kadence.internal.store.GroupCommit
import io.kadence.internal.store.JdbcHistoryStore
import io.kadence.internal.store.Namespaces
import io.kadence.internal.store.StoreConfig
import org.jetbrains.exposed.v1.core.eq
import org.jetbrains.exposed.v1.jdbc.insert
import org.jetbrains.exposed.v1.jdbc.selectAll
import java.util.Collections
import java.util.UUID
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.Future
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/**
 * Group commit: transitions that arrive while a commit runs share the next one; a batch that fails
 * leaves each of its transitions to run alone, so one bad transition fails only its own caller; and
 * under contention every transition is settled exactly once, never in two batches.
 */
class GroupCommitTest {
    private val pool = Executors.newCachedThreadPool()

    /** Waits (with a deadline) until [threads] are all parked, i.e. queued behind a running commit. */
    private fun awaitParked(threads: Collection<Thread>) {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
        while (!threads.all { it.state == Thread.State.WAITING }) {
            check(System.nanoTime() < deadline) { "threads never queued: ${threads.map { "${it.name}=${it.state}" }}" }
            Thread.sleep(2)
        }
    }

    /** Starts [n] submitters on their own threads; returns their futures and threads once all have started. */
    private fun <T> startSubmitters(n: Int, body: (Int) -> T): Pair<List<Future<T>>, List<Thread>> {
        val threads = Collections.synchronizedList(ArrayList<Thread>())
        val started = CountDownLatch(n)
        val futures = (0 until n).map { i ->
            pool.submit<T> {
                threads += Thread.currentThread()
                started.countDown()
                body(i)
            }
        }
        assertTrue(started.await(10, TimeUnit.SECONDS))
        return futures to threads.toList()
    }

    @Test
    fun `transitions that arrive while a commit runs are committed together by one leader`() {
        val commit = GroupCommit<String>(maxLeaders = 1, maxBatch = 64)
        val release = CountDownLatch(1)
        val batches = Collections.synchronizedList(ArrayList<List<String>>())
        val execute = { batch: List<GroupCommit.Op<String>> ->
            batches += batch.map { it.payload }
            batch.forEach { it.result = it.payload.uppercase() }
            batch
        }
        // The first transition is alone: it runs as the leader and holds the (only) leadership meanwhile.
        val entered = CountDownLatch(1)
        val first = pool.submit<Any?> {
            val op = GroupCommit.Op("k0", "first")
            commit.submit(op, { entered.countDown(); release.await(); "alone" }, execute) to op.result
        }
        assertTrue(entered.await(10, TimeUnit.SECONDS))
        val (others, threads) = startSubmitters(5) { i ->
            val op = GroupCommit.Op("k${i + 1}", "op${i + 1}")
            commit.submit(op, { error("a queued transition is never run alone here") }, execute) to op.result
        }
        awaitParked(threads)
        release.countDown()
        assertEquals(GroupCommit.Outcome.RAN to "alone", first.get(10, TimeUnit.SECONDS))
        val outcomes = others.map { it.get(10, TimeUnit.SECONDS) }
        assertEquals((1..5).map { GroupCommit.Outcome.DONE to "OP$it" }, outcomes)
        assertEquals(1, batches.size, "the five queued transitions should share one commit: $batches")
        assertEquals((1..5).map { "op$it" }.toSet(), batches.single().toSet())
    }

    @Test
    fun `a batch that does not commit leaves each transition to its own thread`() {
        val commit = GroupCommit<String>(maxLeaders = 1, maxBatch = 64)
        val release = CountDownLatch(1)
        val entered = CountDownLatch(1)
        val first = pool.submit<GroupCommit.Outcome> {
            commit.submit(GroupCommit.Op("k0", "first"), { entered.countDown(); release.await(); null }, { emptyList() })
        }
        assertTrue(entered.await(10, TimeUnit.SECONDS))
        val (others, threads) = startSubmitters(4) { i -> commit.submit(GroupCommit.Op("k$i", "op$i"), { null }, { emptyList() }) }
        awaitParked(threads)
        release.countDown()
        assertEquals(GroupCommit.Outcome.RAN, first.get(10, TimeUnit.SECONDS))
        assertEquals(List(4) { GroupCommit.Outcome.ALONE }, others.map { it.get(10, TimeUnit.SECONDS) })
    }

    @Test
    fun `under contention every transition is settled once and is never in two batches`() {
        val commit = GroupCommit<Int>(maxLeaders = 2, maxBatch = 16)
        val seen = ConcurrentHashMap.newKeySet<Int>()
        val twice = AtomicInteger()
        val batched = AtomicInteger()
        val mark = { id: Int -> if (!seen.add(id)) twice.incrementAndGet() }
        val next = AtomicInteger()
        // The eight threads submit in rounds, all at once, and a transition run alone lasts until another
        // waits behind it: batches form in nearly every round, however the threads are scheduled.
        val submitted = AtomicInteger()
        val round = java.util.concurrent.CyclicBarrier(8) { submitted.set(0) }
        val runAlone = { op: GroupCommit.Op<Int> ->
            // Until another transition waits, or every thread of the round has submitted (it may have led or been taken).
            while (commit.waitingCount() == 0 && submitted.get() < 8) Thread.onSpinWait()
            mark(op.payload)
            op.payload
        }
        val (futures, _) = startSubmitters(8) {
            val outcomes = HashMap<GroupCommit.Outcome, Int>()
            repeat(1_000) {
                round.await(10, TimeUnit.SECONDS)
                submitted.incrementAndGet()
                val id = next.getAndIncrement()
                val op = GroupCommit.Op("k${id % 97}", id)
                val outcome = commit.submit(op, runAlone, { batch ->
                    batch.forEach { o -> mark(o.payload); o.result = o.payload }
                    batched.addAndGet(batch.size)
                    // Every tenth batch fails as a whole: its transitions come back to their threads.
                    if (batch.first().payload % 10 != 3) batch else emptyList()
                })
                when (outcome) {
                    GroupCommit.Outcome.ALONE -> assertTrue(seen.contains(id))
                    else -> assertEquals(id, op.result)
                }
                outcomes.merge(outcome, 1, Int::plus)
            }
            outcomes
        }
        val total = futures.map { it.get(60, TimeUnit.SECONDS) }.fold(HashMap<GroupCommit.Outcome, Int>()) { acc, m ->
            m.forEach { (k, v) -> acc.merge(k, v, Int::plus) }
            acc
        }
        assertEquals(8_000, seen.size)
        assertEquals(0, twice.get(), "a transition was run in two batches")
        assertEquals(8_000, total.values.sum())
        assertTrue(batched.get() > 0, "eight threads never shared a batch: $total")
    }

    private fun openStore() = JdbcHistoryStore(
        if (TestStores.isPostgres) StoreConfig(TestStores.newPgSchema(), TestStores.pgUser, "", 4)
        else StoreConfig.h2Memory("group-" + UUID.randomUUID(), 4),
    )

    private fun insertNamespace(name: String) = Namespaces.insert {
        it[namespace] = name
        it[retentionMillis] = 1
        it[createdAt] = 0
    }

    private fun storedNamespaces(store: JdbcHistoryStore) = store.read {
        Namespaces.selectAll().map { it[Namespaces.namespace] }.filter { it.startsWith("leader-") || it.startsWith("queued-") }.sorted()
    }

    /**
     * Runs two transitions that hold both of the store's leaderships until the five [queued] ones are
     * waiting behind them, then lets one go; returns what each queued transition returned or threw.
     */
    private fun queuedBehindLeaders(store: JdbcHistoryStore, queued: (Int) -> String): List<Result<String>> {
        val release = List(2) { CountDownLatch(1) }
        val leading = CountDownLatch(2)
        val (leaders, _) = startSubmitters(2) { i ->
            store.writeGrouped("a$i") { insertNamespace("leader-$i"); leading.countDown(); release[i].await() }
        }
        assertTrue(leading.await(10, TimeUnit.SECONDS))
        val (queuedFutures, threads) = startSubmitters(5) { i -> runCatching { store.writeGrouped("b$i") { queued(i) } } }
        awaitParked(threads)
        // One leader lets go: the oldest queued transition leads next and takes the other four with it.
        release[0].countDown()
        val results = queuedFutures.map { it.get(10, TimeUnit.SECONDS) }
        release[1].countDown()
        leaders.forEach { it.get(10, TimeUnit.SECONDS) }
        return results
    }

    @Test
    fun `on the store transitions queued behind a commit run in one transaction on one thread`() {
        openStore().use { store ->
            val ranOn = queuedBehindLeaders(store) { i ->
                insertNamespace("queued-$i")
                Thread.currentThread().name
            }.map { it.getOrThrow() }
            assertEquals(1, ranOn.toSet().size, "the five queued transitions should have run in one batch: $ranOn")
            assertEquals(listOf("leader-0", "leader-1") + (0..4).map { "queued-$it" }, storedNamespaces(store))
        }
    }

    @Test
    fun `on PostgreSQL a transition that leaves its own run is taken out of the batch and the rest commit together`() {
        openStore().use { store ->
            val ranOn = queuedBehindLeaders(store) { i ->
                if (i == 3) store.leaveOwnRun() // as a child's close does before it locks its parent
                insertNamespace("queued-$i")
                Thread.currentThread().name
            }.map { it.getOrThrow() }
            val others = ranOn.filterIndexed { i, _ -> i != 3 }
            assertEquals(1, others.toSet().size, "the four others should have committed in one batch: $ranOn")
            if (TestStores.isPostgres) {
                assertTrue(ranOn[3] !in others, "on PostgreSQL transition 3 should have run alone on its own thread: $ranOn")
            } else {
                assertEquals(others.first(), ranOn[3], "H2 breaks lock cycles at once, so transition 3 stays in the batch: $ranOn")
            }
            assertEquals(listOf("leader-0", "leader-1") + (0..4).map { "queued-$it" }, storedNamespaces(store))
        }
    }

    @Test
    fun `on the store a failing transition fails only its caller and the others of its batch commit`() {
        openStore().use { store ->
            val results = queuedBehindLeaders(store) { i ->
                insertNamespace("queued-$i")
                if (i == 2) throw StaleTaskException("transition $i is stale")
                Thread.currentThread().name
            }
            assertEquals("transition 2 is stale", assertFailsWith<StaleTaskException> { results[2].getOrThrow() }.message)
            results.filterIndexed { i, _ -> i != 2 }.forEach { assertTrue(it.isSuccess, "$it") }
            // The failed batch was rolled back whole; the four good transitions then committed on their own.
            assertEquals(listOf("leader-0", "leader-1", "queued-0", "queued-1", "queued-3", "queued-4"), storedNamespaces(store))
            assertEquals(0L, store.read { Namespaces.selectAll().where { Namespaces.namespace eq "queued-2" }.count() })
        }
    }
}
