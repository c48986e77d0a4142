package io.kadence.test

import io.kadence.activity.ActivityOptions
import io.kadence.client.query
import io.kadence.workflow.onQuery
import io.kadence.history.ActivityScheduled
import io.kadence.history.WorkflowStarted
import io.kadence.workflow.WorkflowDefinition
import io.kadence.workflow.activity
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.seconds

/** How a client that knows only the type name and its input and result types starts it. */
val OrderByName = WorkflowDefinition<String, String>("OrderByName", String::class.java, String::class.java) {
    error("runs only on a worker")
}

class DynamicHandlersTest {
    @Test
    fun `types registered nowhere run in the dynamic handlers, which get the type name and the recorded values`() = runBlocking {
        TestStores.open().use { kadence ->
            kadence.worker("dynamic", TestStores.workerOptions()) {
                registerDynamicWorkflow { type, input ->
                    val item = input.value<String>()
                    onQuery("item") { item }
                    val shouted = activity<String>("shout", item, options = ActivityOptions(startToClose = 10.seconds))
                    "$type got $item, activity said $shouted"
                }
                registerDynamicActivity { type, args -> "$type(${args.size}): ${args.get<String>(0).uppercase()}" }
            }.start()
            val h = kadence.client.start(OrderByName, "coffee") { id = "dyn"; taskQueue = "dynamic" }
            assertEquals("OrderByName got coffee, activity said shout(1): COFFEE", h.result(30.seconds))
            // Queries replay the run through the same handler.
            assertEquals("coffee", h.query<String>("item"))
            val events = h.history().toList().map { it.attributes }
            assertEquals("OrderByName", (events.first() as WorkflowStarted).workflowType)
            assertEquals("shout", events.filterIsInstance<ActivityScheduled>().single().activityType)
        }
    }
}
