package io.kadence.test

import io.kadence.activity.ActivityContext
import io.kadence.activity.ActivityOptions
import io.kadence.client.query
import io.kadence.client.signal
import io.kadence.client.update
import io.kadence.dsl.workflow
import io.kadence.failure.InvalidArgumentException
import io.kadence.history.ActivityScheduled
import io.kadence.schedule.ScheduleSpec
import io.kadence.workflow.ChildWorkflowOptions
import io.kadence.workflow.ParentClosePolicy
import io.kadence.workflow.activity
import io.kadence.workflow.executeChild
import io.kadence.workflow.onQuery
import io.kadence.workflow.onUpdate
import io.kadence.workflow.signalChannel
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlin.test.assertFailsWith
import kotlin.time.Duration.Companion.hours
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds

/** Ids and names meant to break storage: quotes, SQL, `../`, line breaks, tab, NUL, a lone surrogate, 1,000 and 1,001 characters, emoji, empty. */
val HOSTILE: List<String> = listOf(
    "it's \"quoted\"", "x'; DROP TABLE workflow_executions; --", "../../etc/passwd", "line\nbreak\r\n", "tab\there",
    "nul\u0000byte", "lone \uD800 surrogate", "a".repeat(1_000), "a".repeat(1_001), "emoji \uD83D\uDE00 ok", "",
)

/** What cannot be stored faithfully, refused everywhere a name or id is taken. */
val REFUSED: Set<String> = setOf("nul\u0000byte", "lone \uD800 surrogate", "a".repeat(1_001), "")

/**
 * Registers a query and an update under each hostile name and calls an activity of each hostile
 * type (the names live in the code, not in the input, so no payload carries them); returns what
 * each activity call did, once signalled "stop".
 */
val HostileNames = workflow<Unit, List<String>>("HostileNames") {
    HOSTILE.forEachIndexed { i, name ->
        runCatching { onQuery(name) { "query #$i" } }
        runCatching { onUpdate(name) { a: String -> "update #$i got $a" } }
    }
    val outcomes = HOSTILE.map { name ->
        try {
            val ran = activity<String>(name, "x", options = ActivityOptions(startToClose = 1.hours))
            if (ran == name) "ran" else "ran as '$ran'"
        } catch (e: InvalidArgumentException) {
            "refused: ${e.message}"
        }
    }
    signalChannel<Unit>("stop").receive()
    outcomes
}

/** Calls one activity; returns the task queue it ran on. */
val QueueEcho = workflow<Unit, String>("QueueEcho") { activity<String>("where", options = ActivityOptions(startToClose = 1.hours)) }

/** A child that returns its own workflow id and task queue. */
val WhoAmI = workflow<Unit, String>("WhoAmI") { info.workflowId + " @ " + info.taskQueue }

/**
 * Starts a child under each hostile workflow id, then one on each hostile task queue (where no
 * worker polls: only its start is awaited), and tries to continue as new on a queue with a NUL;
 * returns what each call did.
 */
val HostileChildren = workflow<Unit, List<String>>("HostileChildren") {
    fun attempt(block: suspend () -> String): suspend () -> String = {
        try {
            block()
        } catch (e: InvalidArgumentException) {
            "refused: ${e.message}"
        }
    }
    val calls = HOSTILE.map { id ->
        attempt { startChild(WhoAmI, Unit, ChildWorkflowOptions(workflowId = id)).result() }
    } + HOSTILE.mapIndexed { i, queue ->
        attempt { startChild(WhoAmI, Unit, ChildWorkflowOptions(workflowId = "on-queue-$i", taskQueue = queue, parentClosePolicy = ParentClosePolicy.ABANDON)).started(); "started" }
    } + listOf(
        attempt { startChild(WhoAmI, Unit, ChildWorkflowOptions(workflowId = "no-time", runTimeout = kotlin.time.Duration.ZERO)).result() },
        attempt { continueAsNew(Unit, Unit::class.java, taskQueue = "nul\u0000queue") },
    )
    calls.map { it() }
}

/** Hostile ids and names: each is stored and found again exactly, or refused with a typed error before anything is stored. */
class BadInputTest {
    @Test
    fun `hostile child ids and queues from workflow code are used exactly or refused at the call, with nothing recorded`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("parents", TestStores.workerOptions()) { register(HostileChildren); register(WhoAmI) }.start()
            val h = kadence.client.start(HostileChildren, Unit) { id = "hostile-parent"; taskQueue = "parents" }
            val outcomes = h.result(30.seconds)
            val n = HOSTILE.size
            for ((i, id) in HOSTILE.withIndex()) {
                if (id in REFUSED) assertTrue(outcomes[i].startsWith("refused: workflow id of child workflow 'WhoAmI' of workflow 'hostile-parent' "), outcomes[i])
                else assertEquals("$id @ parents", outcomes[i])
                val queue = outcomes[n + i]
                if (id in REFUSED) assertTrue(queue.startsWith("refused: task queue of child workflow 'WhoAmI' of workflow 'hostile-parent' "), queue)
                else assertEquals("started", queue)
            }
            assertEquals("refused: workflow id of child workflow 'WhoAmI' of workflow 'hostile-parent' must not be blank", outcomes[HOSTILE.indexOf("")])
            assertEquals("refused: runTimeout of child workflow 'WhoAmI' of workflow 'hostile-parent' must be positive, was 0s", outcomes[2 * n])
            assertEquals("refused: task queue to continue workflow 'hostile-parent' on must not contain NUL characters", outcomes[2 * n + 1])
            // Only the accepted children were recorded, under exactly their ids and queues.
            val started = h.history().toList().mapNotNull { it.attributes as? io.kadence.history.ChildWorkflowScheduled }
            assertEquals(HOSTILE.filter { it !in REFUSED } + HOSTILE.indices.filter { HOSTILE[it] !in REFUSED }.map { "on-queue-$it" }, started.map { it.workflowId })
            assertEquals(HOSTILE.filter { it !in REFUSED }, started.drop(n - REFUSED.size).map { it.taskQueue })
            for (id in HOSTILE.filter { it !in REFUSED }) assertEquals("$id @ parents", kadence.client.handle(WhoAmI, id).result(30.seconds))
        }
    }

    @Test
    fun `a child's default id that would be over the limit is refused, naming the way out`() = runBlocking {
        TestStores.open().use { kadence ->
            val parent = workflow<Unit, String>("LongParent") {
                try {
                    executeChild(WhoAmI, Unit)
                } catch (e: InvalidArgumentException) {
                    e.message!!
                }
            }
            kadence.worker("long", TestStores.workerOptions()) { register(parent); register(WhoAmI) }.start()
            val id = "p".repeat(995)
            val message = kadence.client.start(parent, Unit) { this.id = id; taskQueue = "long" }.result(30.seconds)
            assertEquals(
                "the default workflow id of child workflow 'WhoAmI' of workflow '$id' (the parent's id + '/child-1') is 1003 characters, " +
                    "over the limit of 1000; give the child a workflowId of its own",
                message,
            )
        }
    }

    private val hostile = HOSTILE

    @Test
    fun `hostile workflow ids are stored exactly or refused with InvalidArgumentException, and nothing else changes`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("bad", TestStores.workerOptions()) { register(Waits) }.start()
            val outcomes = LinkedHashMap<String, String>()
            for (id in hostile) {
                val before = kadence.client.count()
                outcomes[id] = try {
                    val h = kadence.client.start(Waits, Unit) { this.id = id; taskQueue = "bad" }
                    assertEquals(id, h.workflowId)
                    assertEquals(id, kadence.client.handle(Waits, id).describe().workflowId)
                    kadence.client.handle(Waits, id).signal("go", "done")
                    assertEquals(before + 1, kadence.client.count())
                    "stored"
                } catch (e: InvalidArgumentException) {
                    assertEquals(before, kadence.client.count(), "a refused start left a run behind: ${e.message}")
                    "refused: ${e.message}"
                }
            }
            // Only what cannot be stored faithfully is refused.
            val refused = outcomes.filterValues { it.startsWith("refused") }.keys
            assertEquals(setOf("nul\u0000byte", "lone \uD800 surrogate", "a".repeat(1_001), ""), refused, outcomes.toString())
            assertTrue(outcomes.getValue("").contains("workflow id"), outcomes.getValue(""))
        }
    }

    @Test
    fun `hostile signal names are delivered exactly or refused with InvalidArgumentException`() = runBlocking {
        TestStores.open().use { kadence ->
            val h = kadence.client.start(Waits, Unit) { id = "names"; taskQueue = "nobody-polls" }
            val refused = mutableListOf<String>()
            for (name in hostile) {
                try {
                    h.signal(name, "x")
                } catch (e: InvalidArgumentException) {
                    assertTrue("signal name" in e.message!!, e.message)
                    refused += name
                }
            }
            assertEquals(listOf("nul\u0000byte", "lone \uD800 surrogate", "a".repeat(1_001), ""), refused)
            // Nothing of a refused signal was stored; the others wait in the run's inbox exactly as sent.
            val kadenceStore = (TestStores.lastOpened!!)
            java.sql.DriverManager.getConnection(kadenceStore.first, kadenceStore.second, "").use { c ->
                c.createStatement().executeQuery("SELECT COUNT(*) FROM inbox").use { rs -> rs.next(); assertEquals(hostile.size - 4, rs.getInt(1)) }
            }
        }
    }

    @Test
    fun `hostile activity types, query names and update names are used exactly or refused with InvalidArgumentException`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("names", TestStores.workerOptions()) {
                register(HostileNames)
                registerDynamicActivity { type, _ -> type }
            }.start()
            val h = kadence.client.start(HostileNames, Unit) { id = "names"; taskQueue = "names" }
            // Queries and updates: answered by the handler of exactly that name, or refused before reaching the run.
            val refusedCalls = LinkedHashMap<String, String>()
            for ((i, name) in HOSTILE.withIndex()) {
                try {
                    assertEquals("update #$i got x", h.update<String, String>(name, "x"))
                    assertEquals("query #$i", h.query<String>(name))
                } catch (e: InvalidArgumentException) {
                    assertTrue("update name" in e.message!!, e.message)
                    assertFailsWith<InvalidArgumentException> { h.query<String>(name) }.also { q -> assertTrue("query name" in q.message!!, q.message) }
                    refusedCalls[name] = e.message!!
                }
            }
            assertEquals(REFUSED, refusedCalls.keys)
            h.signal("stop", Unit)
            val outcomes = h.result(30.seconds)
            // Activities: scheduled under exactly that type, or refused at the call with nothing recorded.
            for ((i, name) in HOSTILE.withIndex()) {
                if (name in REFUSED) assertTrue(outcomes[i].startsWith("refused: activity type "), outcomes[i]) else assertEquals("ran", outcomes[i])
            }
            assertEquals("refused: activity type contains a lone surrogate at index 5; it must be valid Unicode", outcomes[HOSTILE.indexOf("lone \uD800 surrogate")])
            val scheduled = h.history().toList().mapNotNull { (it.attributes as? ActivityScheduled)?.activityType }
            assertEquals(HOSTILE.filter { it !in REFUSED }, scheduled)
        }
    }

    @Test
    fun `hostile task queue names are polled exactly or refused with InvalidArgumentException before anything is stored`() = runBlocking {
        TestStores.open().use { kadence ->
            val refused = mutableListOf<String>()
            for (queue in HOSTILE) {
                val before = kadence.client.count()
                try {
                    kadence.worker(queue, TestStores.workerOptions()) {
                        register(QueueEcho)
                        registerDynamicActivity { _, _ -> ActivityContext.currentInCoroutine().info.taskQueue }
                    }.start()
                } catch (e: InvalidArgumentException) {
                    assertTrue(e.message!!.startsWith("task queue "), e.message)
                    assertFailsWith<InvalidArgumentException> { kadence.client.start(QueueEcho, Unit) { taskQueue = queue } }
                    assertEquals(before, kadence.client.count())
                    refused += queue
                    continue
                }
                val h = kadence.client.start(QueueEcho, Unit) { taskQueue = queue }
                assertEquals(queue, h.result(30.seconds))
                assertEquals(queue, h.describe().taskQueue)
            }
            assertEquals(REFUSED.toList(), refused)
        }
    }

    @Test
    fun `hostile schedule ids are stored exactly or refused with InvalidArgumentException before anything is stored`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.holdClock()
            val schedules = kadence.client.schedules
            val refused = mutableListOf<String>()
            for (id in HOSTILE) {
                val before = schedules.list().size
                try {
                    schedules.create(id, ScheduleSpec.every(1.hours), QueueEcho, Unit) { taskQueue = "nobody"; paused = true }
                } catch (e: InvalidArgumentException) {
                    assertTrue(e.message!!.startsWith("schedule id "), e.message)
                    assertFailsWith<InvalidArgumentException> { schedules.handle(id) }
                    assertEquals(before, schedules.list().size)
                    refused += id
                    continue
                }
                assertEquals(id, schedules.handle(id).describe().id)
                assertEquals(before + 1, schedules.list().size)
            }
            // Schedule ids are at most 200 characters: the 1,000-character one is refused too.
            assertEquals(HOSTILE.filter { it in REFUSED || it.length > 200 }, refused)
            assertEquals(HOSTILE.filter { it !in refused }.sorted(), schedules.list().map { it.id }.sorted())
        }
    }

    @Test
    fun `hostile namespaces are kept apart exactly or refused with InvalidArgumentException before anything is stored`() = runBlocking {
        val shared = SharedStore.create()
        fun namespaces(): List<String> = java.sql.DriverManager.getConnection(shared.url, shared.user, "").use { c ->
            c.createStatement().executeQuery("SELECT namespace FROM namespace_settings").use { rs -> generateSequence { if (rs.next()) rs.getString(1) else null }.toList() }
        }
        shared.open("default").use { it.holdClock() }
        val refused = mutableListOf<String>()
        for (namespace in HOSTILE) {
            val before = namespaces()
            try {
                shared.open(namespace).use { k ->
                    k.holdClock()
                    val h = k.client.start(QueueEcho, Unit) { id = "in-namespace"; taskQueue = "nobody" }
                    assertEquals(listOf(h.runId), k.client.list().map { it.runId })
                }
            } catch (e: InvalidArgumentException) {
                assertTrue(e.message!!.startsWith("namespace "), e.message)
                assertEquals(before, namespaces())
                refused += namespace
                continue
            }
            assertEquals((before + namespace).sorted(), namespaces().sorted())
        }
        // Namespaces are at most 255 characters: the 1,000-character one is refused too.
        assertEquals(HOSTILE.filter { it in REFUSED || it.length > 255 }, refused)
    }
}
