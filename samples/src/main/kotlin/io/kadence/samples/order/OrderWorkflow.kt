package io.kadence.samples.order

import io.kadence.activity.ActivityOptions
import io.kadence.dsl.workflow
import io.kadence.workflow.activities
import io.kadence.workflow.activity
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/** Reserve stock, wait a little (a durable timer), charge the card, ship. */
val OrderWorkflow = workflow<Order, String>("OrderWorkflow") { order ->
    val options = ActivityOptions(startToClose = 30.seconds) {
        heartbeat = 1.seconds
        retry { initialInterval = 100.milliseconds; maximumAttempts = 5 }
    }
    val acts = activities<OrderActivities>(options)

    val reserved = acts.reserve(order)
    logger.info("workflow saw reserve: $reserved")
    logger.info("sleeping ${order.pauseSeconds}s before charging (durable timer)")
    sleep(order.pauseSeconds.seconds)
    logger.info("woke up")
    val charged = activity(OrderActivities::charge, order, options)
    logger.info("workflow saw charge: $charged")
    val shipped = acts.ship(order)
    "order ${order.id}: $reserved, $charged, $shipped"
}
